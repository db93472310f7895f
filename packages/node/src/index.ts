// The public face of @outrigger/node: one call, its options and result, the config section's types and schema,
// the errors. The parts it wires stay in their own packages for those who want them one by one.
export {
  adminSchema,
  clientsSchema,
  instanceSchema,
  type OutriggerConfig,
  outriggerConfigSchema,
  type ResolvedOutriggerConfig,
  registrySchema,
  shutdownSchema,
} from "./config-schema.js";
export type { ConfigInput, Refusal } from "./config-source.js";
export type { ControlPlaneOptions, PolicyApplyEvent } from "./control-plane/control-plane.js";
export { isOutriggerNodeError, OutriggerNodeError, type OutriggerNodeErrorCode } from "./errors.js";
export {
  type BucketRateLimit,
  type ConcurrencyOptions,
  createInbound,
  type ExpressMiddleware,
  type FastifyInstanceLike,
  type FastifyPluginLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  type Inbound,
  InboundError,
  type InboundErrorCode,
  type InboundEvent,
  type InboundOptions,
  type InboundRequestMessage,
  inboundChannels,
  isInboundError,
  type LimiterRateLimit,
  type RateLimitOptions,
  type RejectReason,
} from "./inbound/index.js";
export { createOutrigger, type Outrigger, type OutriggerOptions } from "./outrigger.js";
export { type ServicePolicy, servicePolicySchema } from "./policy-schema.js";
export { SAFE_DEFAULTS } from "./safe-defaults.js";
