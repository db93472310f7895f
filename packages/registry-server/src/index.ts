export { type AppOptions, buildApp, DEFAULT_BODY_LIMIT } from "./app.js";
export { type Clock, systemClock } from "./clock.js";
export type { ConnectionLimits } from "./connection-limits.js";
export { type AgentService, ConsulAgent, type ConsulAgentOptions } from "./consul/agent.js";
export type { CheckDefinition, CheckStatus, ServiceDefinition } from "./consul/definition.js";
export { DEFAULT_BLOCKING_WAIT_MS, MAX_BLOCKING_WAIT_MS, parseDuration } from "./consul/duration.js";
export { CONSUL_METADATA } from "./consul/mapping.js";
export { type ConsulRoutesOptions, consulRoutes } from "./consul/plugin.js";
export type { PeerStatus } from "./context.js";
export { isRegistryError, RegistryError, type RegistryErrorCode } from "./errors.js";
export {
  appsHashCode,
  encodeApplications,
  toEurekaApplications,
  toEurekaDelta,
  toEurekaInstance,
} from "./eureka-codec.js";
export { type EvictionReport, Evictor, type EvictorOptions } from "./evictor.js";
export { type AuthOptions, tokenMatches } from "./hooks/auth.js";
export { type InstanceInfo, type InstanceStatus, parseRegistration } from "./instance-info.js";
export { installProcessSafety, type SafetyLog } from "./process-safety.js";
export {
  type ActionType,
  DEFAULT_DELTA_RETENTION_MS,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_MAX_DELTA_ENTRIES,
  type Lease,
  Registry,
  type RegistryChange,
  type RegistryOptions,
  type RenewEvent,
  type RenewOptions,
  type RenewOutcome,
  type WriteOrigin,
} from "./registry.js";
export { Replicator, type ReplicatorOptions } from "./replication/replicator.js";
export { REPLICATION_HEADER } from "./routes/eureka-writes.js";
export {
  DEFAULT_RENEWAL_PERCENT_THRESHOLD,
  SelfPreservation,
  type SelfPreservationOptions,
  type SelfPreservationState,
} from "./self-preservation.js";
export { DEFAULT_EVICTION_INTERVAL_MS, type RunningServer, type ServerOptions, startServer } from "./server.js";
export { DEFAULT_WATCH_WAIT_MS, MAX_WATCH_WAIT_MS, parseWait } from "./watch.js";
