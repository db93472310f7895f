import { type Clock, type Event, EventSource, monotonicClock } from "@outrigger/core";
import { neverAborted } from "./compose.js";
import { isResilienceError, ResilienceError, type ResilienceErrorCode } from "./errors.js";
import type { Policy } from "./policy.js";
import { VegasLimit, type VegasOptions } from "./vegas-limit.js";

const TIMEOUT_CODES: ReadonlySet<ResilienceErrorCode> = new Set(["RESILIENCE_TIMEOUT", "RESILIENCE_DEADLINE_EXCEEDED"]);

/** Settings of an adaptive concurrency limit. */
export interface AdaptiveLimitOptions extends VegasOptions {
  readonly clock?: Clock;
}

/** An adaptive concurrency limit and its typed events. */
export interface AdaptiveLimit extends Policy {
  /** A call was refused: the limit was reached. */
  readonly onRejected: Event<{ readonly limit: number; readonly inflight: number }>;
  /** The limit moved. */
  readonly onLimitChange: Event<{ readonly limit: number }>;
  readonly limit: number;
  readonly inflight: number;
}

/**
 * Caps calls in flight at a limit that TCP Vegas adapts from observed latency (Netflix concurrency-limits). Under
 * overload the excess is refused at once with RESILIENCE_CONCURRENCY_LIMITED instead of queueing at the server
 * until every call times out, so goodput stays near the server's capacity.
 */
export function createAdaptiveLimitPolicy(options: AdaptiveLimitOptions = {}): AdaptiveLimit {
  const estimator = new VegasLimit(options);
  const clock = options.clock ?? monotonicClock;
  const rejected = new EventSource<{ readonly limit: number; readonly inflight: number }>();
  const changed = new EventSource<{ readonly limit: number }>();
  let inflight = 0;

  return {
    execute: async (fn, signal) => {
      const limit = estimator.limit;
      if (inflight >= limit) {
        rejected.emit({ limit, inflight });
        throw new ResilienceError(
          "RESILIENCE_CONCURRENCY_LIMITED",
          `concurrency limit reached (${inflight} in flight, limit ${limit}): the dependency is saturated; shed or retry later`,
        );
      }
      const startedWith = ++inflight;
      const started = clock.now();
      let outcome: "ok" | "dropped" | "other" = "other";
      try {
        const value = await fn({ signal: signal ?? neverAborted });
        outcome = "ok";
        return value;
      } catch (error) {
        // A fast failure says nothing about queueing, but a timeout is the clearest sign of it.
        if (isResilienceError(error) && TIMEOUT_CODES.has(error.code)) outcome = "dropped";
        throw error;
      } finally {
        inflight--;
        if (outcome !== "other") {
          estimator.sample(clock.now() - started, startedWith, outcome === "dropped");
          if (estimator.limit !== limit) changed.emit({ limit: estimator.limit });
        }
      }
    },
    onRejected: rejected.event,
    onLimitChange: changed.event,
    get limit() {
      return estimator.limit;
    },
    get inflight() {
      return inflight;
    },
  };
}
