import { RetryEngine, type RetryEngineOptions } from "@outrigger/core";
import { LbError } from "./errors.js";

export type { RetryBudgetLike } from "@outrigger/core";

/**
 * When the axios client retries an attempt on another instance: the options of `createRetryPolicy` from
 * `@outrigger/resilience`, run by the same engine with the same rules (one engine, not two).
 */
export interface RetryOptions extends Omit<RetryEngineOptions, "maxAttempts" | "clock"> {
  /** Attempts in all, each on an instance not yet tried (default 2 without a `policy`, 1 with one). */
  readonly maxAttempts?: number;
  /**
   * When every instance was tried, a retry goes to a tried one (the rule picks among them) instead of giving up.
   * Default false: a retry goes only to an instance not yet tried — so with one instance a 503 or a timeout is not
   * retried (Ribbon's `MaxAutoRetries`, retries on the same server, defaults to 0 for the same reason: the instance
   * that just failed mostly fails again) — except after a reset connection, which is always retried on a fresh one
   * (see the README). True is Envoy's `previous_hosts` retry predicate, which routes to a previous host once
   * `host_selection_retry_max_attempts` re-picks found no other (api/envoy/config/route/v3/route_components.proto).
   */
  readonly retryTriedInstances?: boolean;
}

/** Why the client retried, as published on `outrigger:lb:retry`. */
export type RetryReason = "connect" | "status" | "timeout" | "error";

/** Engines built from options with `retryTriedInstances: true`. */
const reusingTried = new WeakSet<RetryEngine>();

/** Whether `engine`'s retries may go to an instance already tried once none is left untried. */
export const retriesTriedInstances = (engine: RetryEngine): boolean => reusingTried.has(engine);

export const invalidOption = (message: string): LbError => new LbError("LB_INVALID_OPTION", message);

/**
 * Each service's retry engine, built once per options object (a per-service function may return the same one, and
 * a budget keeps state). Throws LB_INVALID_OPTION for invalid numbers.
 */
export function retryEngines(
  retry: RetryOptions | false | ((service: string) => RetryOptions | false | undefined) | undefined,
): (service: string, hasPolicy: boolean) => RetryEngine {
  const built = new WeakMap<RetryOptions, RetryEngine[]>();
  const none = new RetryEngine({ maxAttempts: 1 }, invalidOption);
  const engine = (options: RetryOptions, hasPolicy: boolean): RetryEngine => {
    // Read on every request: the WeakMap is written only for options not seen before.
    let both = built.get(options);
    if (both === undefined) {
      both = [];
      built.set(options, both);
    }
    const at = hasPolicy ? 1 : 0;
    if (both[at] === undefined) {
      both[at] = new RetryEngine(
        { ...options, maxAttempts: options.maxAttempts ?? (hasPolicy ? 1 : 2) },
        invalidOption,
      );
      if (options.retryTriedInstances === true) reusingTried.add(both[at]);
    }
    return both[at];
  };
  const defaults: RetryOptions = {};
  // Static options are checked when the client is made, not at its first request.
  if (typeof retry === "object") engine(retry, false);
  return (service, hasPolicy) => {
    const options = typeof retry === "function" ? retry(service) : retry;
    if (options === false) return none;
    return engine(options ?? defaults, hasPolicy);
  };
}
