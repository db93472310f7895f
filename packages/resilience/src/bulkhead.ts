import { bulkhead, type Event, isBulkheadRejectedError } from "cockatiel";
import { ResilienceError, requireInteger } from "./errors.js";
import type { Policy } from "./policy.js";

/** Settings of a bulkhead. */
export interface BulkheadOptions {
  /** Calls running at once. */
  readonly maxConcurrent: number;
  /** Calls waiting for a slot (default 0: reject at once when full). */
  readonly maxQueue?: number;
}

/** A bulkhead and its typed event. */
export interface Bulkhead extends Policy {
  /** A call was refused because both slots and queue were full. */
  readonly onRejected: Event<void>;
  /** Free slots right now. */
  readonly executionSlots: number;
  /** Free queue places right now. */
  readonly queueSlots: number;
}

/** Caps concurrent calls to a dependency (cockatiel's bulkhead); the overflow is rejected with RESILIENCE_BULKHEAD_FULL. */
export function createBulkheadPolicy(options: BulkheadOptions): Bulkhead {
  const limit = requireInteger("maxConcurrent", options.maxConcurrent, 1);
  const queue = requireInteger("maxQueue", options.maxQueue ?? 0, 0);
  const policy = bulkhead(limit, queue);
  return {
    // No async/await here: each extra await is a measurable share of the pipeline's overhead.
    execute: (fn, signal) =>
      policy.execute(fn, signal).catch((error: unknown) => {
        if (!isBulkheadRejectedError(error)) throw error;
        throw new ResilienceError(
          "RESILIENCE_BULKHEAD_FULL",
          `bulkhead full (${limit} running, ${queue} queued): shed load or raise maxConcurrent/maxQueue`,
          { cause: error },
        );
      }),
    onRejected: policy.onReject,
    get executionSlots() {
      return policy.executionSlots;
    },
    get queueSlots() {
      return policy.queueSlots;
    },
  };
}
