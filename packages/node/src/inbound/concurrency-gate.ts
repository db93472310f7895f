import type { Clock } from "@outrigger/core";
import { type AdaptiveLimit, createAdaptiveLimitPolicy } from "@outrigger/resilience";
import type { Limits } from "./options.js";

/** How many requests may be in flight, and how an admitted one is run so an adaptive limit learns from it. */
export interface ConcurrencyGate {
  /** The cap right now (a fixed max, or the adaptive limit's current value; Infinity when off). */
  limit(): number;
  /**
   * Runs an admitted request. `finished()` makes a promise that resolves when its response is complete, or rejects
   * when the connection was lost first (so an aborted request teaches an adaptive limit nothing). `start` is called
   * when the request may proceed; `refused` if the underlying limit turned it away after all.
   */
  run(finished: () => Promise<void>, start: () => void, refused: () => void): void;
  /** The same settings as `limits` (so a reload that does not change them keeps the learned limit). */
  sameAs(limits: Limits["concurrency"]): boolean;
}

const unlimited = (): ConcurrencyGate => ({
  limit: () => Number.POSITIVE_INFINITY,
  run: (_finished, start) => start(),
  sameAs: (limits) => limits === undefined,
});

const fixed = (max: number): ConcurrencyGate => ({
  // The middleware's own in-flight count enforces it: that count must exist anyway for drain, and unlike a
  // bulkhead's slots it stays exact when a reload changes `max` while requests are running.
  limit: () => max,
  run: (_finished, start) => start(),
  sameAs: (limits) => limits?.kind === "fixed" && limits.max === max,
});

function adaptive(initial: number, max: number, clock: Clock): ConcurrencyGate {
  const policy: AdaptiveLimit = createAdaptiveLimitPolicy({ initialLimit: initial, maxLimit: max, clock });
  return {
    limit: () => policy.limit,
    run(finished, start, refused) {
      let started = false;
      let synchronous = true;
      // The policy measures from its call of the function to the settling of the promise it returns: the request's
      // whole time in this server, the latency Vegas learns from (as concurrency-limits' servlet filter does).
      policy
        .execute(() => {
          started = true;
          if (!synchronous) start();
          return finished();
        })
        .catch(() => {
          if (!started) refused();
        });
      synchronous = false;
      // Called here, not inside the policy, so an exception thrown by the application's handler reaches the caller
      // as it would without the middleware instead of being swallowed as a policy failure.
      if (started) start();
    },
    sameAs: (limits) => limits?.kind === "adaptive" && limits.initial === initial && limits.max === max,
  };
}

/** The gate for `limits`; keeps `current` when the settings did not change (an adaptive limit keeps what it learned). */
export function concurrencyGate(
  limits: Limits["concurrency"],
  clock: Clock,
  current?: ConcurrencyGate,
): ConcurrencyGate {
  if (current?.sameAs(limits)) return current;
  if (limits === undefined) return unlimited();
  return limits.kind === "fixed" ? fixed(limits.max) : adaptive(limits.initial, limits.max, clock);
}
