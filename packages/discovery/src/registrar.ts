import type { InstanceStatus } from "./service-instance.js";

/**
 * The role every registrar plays (go-kit's `sd.Registrar`): keeps one instance registered — registers, renews on
 * an interval, re-registers when lost, deregisters on close. Backends (`EurekaRegistrar`, `ConsulRegistrar`)
 * implement only this; `deregisterOnShutdown` takes any of them.
 */
export interface Registrar {
  /** Registers now and starts the heartbeat; never rejects on a registry failure (that goes to `onError`). */
  register(): Promise<void>;
  /** Changes the status the registry shows (STARTING, UP, OUT_OF_SERVICE, DOWN). */
  setStatus(status: InstanceStatus): Promise<void>;
  /** Removes the registration and stops the heartbeat. */
  deregister(): Promise<void>;
  /** Deregisters and releases every timer and socket. */
  close(): Promise<void>;
}
