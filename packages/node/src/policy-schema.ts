/**
 * One service's client policy (`clients.defaults`, `clients.services.X`) is `@outrigger/policy`'s client policy: the
 * same model the control plane's destination policy extends, so central policy layers over this config key by key
 * (see the README's precedence table). Re-exported under the names this package has always used; the part schemas
 * (`retrySchema`, `outlierSchema`, …) are `@outrigger/policy`'s.
 */
export { type ClientPolicy as ServicePolicy, clientPolicySchema as servicePolicySchema } from "@outrigger/policy";
