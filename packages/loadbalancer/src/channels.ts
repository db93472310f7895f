import { channel } from "node:diagnostics_channel";
import type { ServiceInstance } from "@outrigger/discovery";
import type { Outcome } from "./outcome.js";
import type { EjectionReason } from "./outlier-detector.js";

/** Message on `outrigger:lb:pick`: an instance was picked for an attempt. */
export interface PickMessage {
  readonly instance: ServiceInstance;
}
/** Message on `outrigger:lb:outcome`: an attempt ended. */
export interface OutcomeMessage {
  readonly instance: ServiceInstance;
  readonly outcome: Outcome;
}
/** Message on `outrigger:lb:ejection`: the outlier detector took an instance out. */
export interface EjectionMessage {
  readonly instance: ServiceInstance;
  readonly reason: EjectionReason;
  readonly durationMs: number;
}
/** Message on `outrigger:lb:health`: active checks marked an instance healthy or unhealthy. */
export interface HealthMessage {
  readonly instance: ServiceInstance;
  readonly healthy: boolean;
}
/** Message on `outrigger:lb:retry`: the axios client tries another instance. */
export interface RetryMessage {
  readonly service: string;
  readonly attempt: number;
  readonly reason: string;
}

/**
 * The load balancer's `diagnostics_channel` channels. Publishing costs nothing when nobody subscribes; the
 * Prometheus metrics (`@outrigger/loadbalancer/metrics`) are one subscriber.
 */
export const lbChannels = {
  pick: channel("outrigger:lb:pick"),
  outcome: channel("outrigger:lb:outcome"),
  ejection: channel("outrigger:lb:ejection"),
  retry: channel("outrigger:lb:retry"),
  health: channel("outrigger:lb:health"),
} as const;

/** Publishes `message` on `ch` only when someone listens. */
export function publish<T>(ch: (typeof lbChannels)[keyof typeof lbChannels], message: T): void {
  if (ch.hasSubscribers) ch.publish(message);
}
