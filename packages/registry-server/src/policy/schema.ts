/**
 * The registry stores `@outrigger/policy`'s service policy: one zod 4 model shared with the SDK that applies it
 * (its client fields are `@outrigger/node`'s per-service config, `…Ms` integers). Re-exported here for the
 * registry's modules and its public face.
 */
export {
  type DestinationPolicy,
  type PolicyRoute,
  type ServicePolicy,
  servicePolicySchema,
} from "@outrigger/policy";
