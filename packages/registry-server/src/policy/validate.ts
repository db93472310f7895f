import { checkServicePolicy, type ServicePolicy } from "@outrigger/policy";
import { PolicyError } from "./policy-error.js";

/**
 * Checks a service policy against `@outrigger/policy`'s schema; throws `REGISTRY_POLICY_INVALID` (400) naming each
 * bad field by its path (`routes[0].route: weights must add up to 100`), prefixed with `where` (a document's name)
 * when given.
 */
export function validatePolicy(value: unknown, where = ""): ServicePolicy {
  const checked = checkServicePolicy(value, where);
  if (checked.ok) return checked.policy;
  throw new PolicyError("REGISTRY_POLICY_INVALID", "The policy is not valid", checked.issues);
}
