// The registry's public face: run it (startServer, buildApp), or embed its parts (Registry, Evictor,
// SelfPreservation, Replicator). Wire-format codecs, route plugins, the Consul agent and HTTP helpers are internal.
export { type AppOptions, buildApp, DEFAULT_BODY_LIMIT } from "./app.js";
export type { Clock } from "./clock.js";
export type { ConnectionLimits } from "./connection-limits.js";
export type { ConsulNodeOptions } from "./consul/node.js";
export type { PeerStatus } from "./context.js";
export { isRegistryError, RegistryError, type RegistryErrorCode } from "./errors.js";
export { type EvictionReport, Evictor, type EvictorOptions } from "./evictor.js";
export type { AuthOptions } from "./hooks/auth.js";
export { type InstanceInfo, type InstanceStatus, parseRegistration } from "./instance-info.js";
export { PolicyDir, type PolicyDirEvent, type PolicyDirOptions } from "./policy/policy-dir.js";
export { createPolicyService, type PolicyService } from "./policy/policy-service.js";
export { MAX_POLICY_BYTES } from "./policy/policy-size.js";
export { REPORT_CLAIM_TTL_MS } from "./policy/report-claims.js";
export type { PolicyReport } from "./policy/reports.js";
export { POLICY_REVISION_HEADER } from "./policy/routes.js";
export { type DestinationPolicy, type PolicyRoute, type ServicePolicy, servicePolicySchema } from "./policy/schema.js";
export { DEFAULT_POLICY_HISTORY, type PolicyChange, type PolicyRecord, PolicyStore } from "./policy/store.js";
export { validatePolicy } from "./policy/validate.js";
export { installProcessSafety, type SafetyLog } from "./process-safety.js";
export { ReadGate, type ReadGateState } from "./read-gate.js";
export { Registry } from "./registry.js";
export {
  type RegisterMessage,
  type ReplicationReceivedMessage,
  type ReplicationSendMessage,
  type ReplicationSentMessage,
  registryChannels,
  type WatchMessage,
} from "./registry-channels.js";
export {
  DEFAULT_DELTA_RETENTION_MS,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_MAX_DELTA_ENTRIES,
} from "./registry-defaults.js";
export type {
  ActionType,
  Lease,
  RegistryChange,
  RegistryOptions,
  RenewEvent,
  RenewOptions,
  RenewOutcome,
  WriteOrigin,
} from "./registry-types.js";
export { Replicator, type ReplicatorOptions } from "./replication/replicator.js";
export {
  DEFAULT_RENEWAL_PERCENT_THRESHOLD,
  SelfPreservation,
  type SelfPreservationOptions,
  type SelfPreservationState,
} from "./self-preservation.js";
export { DEFAULT_EVICTION_INTERVAL_MS, type RunningServer, type ServerOptions, startServer } from "./server.js";
