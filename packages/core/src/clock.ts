/**
 * Where time-based logic reads the time, in milliseconds. Every Outrigger clock is monotonic: a wall clock stepped
 * back or forward (NTP, a VM resumed, an operator) changes no lease, breaker, budget or timeout. Inject a fake one
 * in tests (`{ now: () => t }`).
 */
export interface Clock {
  /** Milliseconds since an arbitrary origin; never decreases. Not a date: do not compare across processes. */
  now(): number;
}

/** The real monotonic clock (`performance.now()`, which `vi.useFakeTimers({ toFake: ["performance"] })` fakes). */
export const monotonicClock: Clock = { now: () => performance.now() };

/**
 * Wall-clock milliseconds since the epoch, for values that leave the process (timestamps on the wire, in logs,
 * Eureka's `lastDirtyTimestamp`). Never for measuring a duration.
 */
export const wallClock: Clock = { now: () => Date.now() };
