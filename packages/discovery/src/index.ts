export type { Disposable, Event } from "@outrigger/core";
export type { BackoffOptions } from "./backoff.js";
export type { WatchPolicyReport } from "./carried-report.js";
export { type DnsResolution, DnsSrvInstancer, type DnsSrvInstancerOptions } from "./dns-srv-instancer.js";
export { DiscoveryError, type DiscoveryErrorCode, isDiscoveryError } from "./errors.js";
export {
  type DeltaSync,
  EurekaDeltaInstancer,
  type EurekaDeltaInstancerOptions,
  type FullFetchReason,
} from "./eureka-delta-instancer.js";
export { EurekaInstancer, type EurekaInstancerOptions } from "./eureka-instancer.js";
export { EurekaRegistrar, type EurekaRegistrarOptions, type RegisterReason } from "./eureka-registrar.js";
export type { InstanceRegistration } from "./eureka-wire.js";
export {
  allOf,
  anyStatus,
  type InstanceFilter,
  inZone,
  onlyUp,
  withMetadata,
  withTags,
} from "./filters.js";
export { FixedInstancer } from "./fixed-instancer.js";
export { InstanceCache, type InstanceCacheOptions } from "./instance-cache.js";
export type { Instancer } from "./instancer.js";
export type { Registrar } from "./registrar.js";
export type { RegistryAccessOptions, RegistryTls, TokenSource } from "./registry-access.js";
export { RegistryWatchInstancer, type RegistryWatchInstancerOptions } from "./registry-watch-instancer.js";
export type { InstanceStatus, ServiceInstance, Snapshot } from "./service-instance.js";
export { type Closeable, deregisterOnShutdown, type ShutdownHookOptions } from "./shutdown-hook.js";
export { type StaticEntry, StaticInstancer } from "./static-instancer.js";
