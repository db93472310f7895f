import type { Instancer } from "@outrigger/discovery";
import type { Dispatcher, Pool } from "undici";
import type { AttemptPolicy } from "./attempt-policy.js";
import type { Balancer } from "./pick.js";
import type { RetryOptions } from "./retry-decision.js";

/** Settings of `createLbDispatcher`; the balancing ones mean what they mean for `createLbAxios`. */
export interface LbDispatcherOptions {
  /** The balancer of a service; undefined when `service` is not one (its `http://` requests then pass through). */
  readonly balancer: (service: string) => Balancer | undefined;
  /** The instancer of a service: when given, an instance's pool is closed as soon as it leaves the set. */
  readonly instancer?: (service: string) => Instancer | undefined;
  /** Wraps each request's attempts (a resilience policy), one for all services or one per service. */
  readonly policy?: AttemptPolicy | ((service: string) => AttemptPolicy | undefined);
  /** Built-in retries on untried instances (the engine `createLbAxios` and `createRetryPolicy` run). */
  readonly retry?: RetryOptions | false | ((service: string) => RetryOptions | false | undefined);
  /** Time one attempt may take before it is cancelled and counted against the instance (1 ms to 2^31−1 ms). */
  readonly perTryTimeoutMs?: number;
  /**
   * A per-try timeout (this dispatcher's, or a resilience timeout policy's) whose timer fired more than this many
   * ms after it was due (monotonic clock) was caused by this process's event-loop lag, not by the instance: the
   * caller still gets the timeout, but the attempt is reported as `cancelled` (not counted by outlier detection or
   * stats); core's `isLocalLag`. Default 100 (`LOCAL_LAG_THRESHOLD_MS`); 0 to 2^31−1.
   */
  readonly localLagThresholdMs?: number;
  /** Time the whole request, retries included, may take before LB_DEADLINE_EXCEEDED (1 ms to 2^31−1 ms). */
  readonly deadlineMs?: number;
  /** The request's key for consistent hashing. */
  readonly key?: (options: Dispatcher.DispatchOptions) => string | undefined;
  /** Options of each instance's undici `Pool` (connections, keep-alive, …). */
  readonly pool?: Pool.Options;
  /** Where requests to hosts that are not services go (default: an undici `Agent` this dispatcher owns). */
  readonly fallback?: Dispatcher;
}
