export { type AppOptions, buildApp, DEFAULT_BODY_LIMIT } from "./app.js";
export { type Clock, systemClock } from "./clock.js";
export { type AgentService, ConsulAgent, type ConsulAgentOptions } from "./consul/agent.js";
export type { CheckDefinition, CheckStatus, ServiceDefinition } from "./consul/definition.js";
export { DEFAULT_BLOCKING_WAIT_MS, MAX_BLOCKING_WAIT_MS, parseDuration } from "./consul/duration.js";
export { CONSUL_METADATA } from "./consul/mapping.js";
export { type ConsulRoutesOptions, consulRoutes } from "./consul/plugin.js";
export { isRegistryError, RegistryError, type RegistryErrorCode } from "./errors.js";
export { appsHashCode, toEurekaApplications, toEurekaDelta, toEurekaInstance } from "./eureka-codec.js";
export { type InstanceInfo, type InstanceStatus, parseRegistration } from "./instance-info.js";
export {
  type ActionType,
  DEFAULT_DELTA_RETENTION_MS,
  DEFAULT_LEASE_DURATION_MS,
  type Lease,
  Registry,
  type RegistryChange,
  type RegistryOptions,
} from "./registry.js";
export { DEFAULT_EVICTION_INTERVAL_MS, type RunningServer, type ServerOptions, startServer } from "./server.js";
export { DEFAULT_WATCH_WAIT_MS, MAX_WATCH_WAIT_MS, parseWait } from "./watch.js";
