/** Where time-based policies read the time; inject a fake one in tests. */
export interface Clock {
  now(): number;
}

/** The wall clock (`Date.now`, which `vi.useFakeTimers()` also controls). */
export const systemClock: Clock = { now: () => Date.now() };
