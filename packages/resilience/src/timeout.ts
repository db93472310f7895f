import { type Event, isTaskCancelledError, TimeoutStrategy, timeout } from "cockatiel";
import { ResilienceError, requireNumber } from "./errors.js";
import type { Policy } from "./policy.js";

/** Settings of a timeout policy. */
export interface TimeoutOptions {
  /** How long the call may take. */
  readonly ms: number;
  /**
   * `attempt` (per-try, innermost; a timed-out try may be retried: RESILIENCE_TIMEOUT) or `total` (the deadline of
   * the whole call with its retries, outermost: RESILIENCE_DEADLINE_EXCEEDED, never retried).
   */
  readonly scope?: "attempt" | "total";
}

/** A timeout policy and its typed event. */
export interface Timeout extends Policy {
  readonly onTimeout: Event<void>;
}

/**
 * Bounds a call's time on cockatiel's aggressive timeout: when time is up the caller gets an error at once and the
 * `signal` handed to the call aborts, so an HTTP client given that signal cancels the underlying request.
 */
export function createTimeoutPolicy(options: TimeoutOptions): Timeout {
  const ms = requireNumber("ms", options.ms, 1);
  const total = options.scope === "total";
  const policy = timeout(ms, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: true });
  return {
    execute: async (fn, signal) => {
      // Cockatiel also aborts the signal once the attempt returns; only an abort while it runs is a timeout.
      let timedOut = false;
      try {
        return await policy.execute(async (context) => {
          let settled = false;
          context.signal.addEventListener("abort", () => {
            timedOut ||= !settled;
          });
          try {
            return await fn(context);
          } finally {
            settled = true;
          }
        }, signal);
      } catch (error) {
        // The attempt may reject with its own abort error before cockatiel's TaskCancelledError; either way time ran
        // out. A caller's own cancellation passes through as is.
        if ((isTaskCancelledError(error) || timedOut) && !signal?.aborted) {
          throw total
            ? new ResilienceError("RESILIENCE_DEADLINE_EXCEEDED", `the call exceeded its total deadline of ${ms} ms`, {
                cause: error,
              })
            : new ResilienceError("RESILIENCE_TIMEOUT", `the attempt took longer than ${ms} ms`, { cause: error });
        }
        throw error;
      }
    },
    onTimeout: policy.onTimeout,
  };
}
