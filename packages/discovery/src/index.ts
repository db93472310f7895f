export { DiscoveryError, type DiscoveryErrorCode, isDiscoveryError } from "./errors.js";
export { EurekaInstancer, type EurekaInstancerOptions } from "./eureka-instancer.js";
export {
  EurekaRegistrar,
  type EurekaRegistrarOptions,
  type RegisterReason,
  type Registrar,
} from "./eureka-registrar.js";
export { fromEurekaInstance, type InstanceRegistration, registrationId } from "./eureka-wire.js";
export { type Disposable, type Event, EventSource } from "./event.js";
export { FixedInstancer } from "./fixed-instancer.js";
export type { Instancer } from "./instancer.js";
export type { InstanceStatus, ServiceInstance, Snapshot } from "./service-instance.js";
