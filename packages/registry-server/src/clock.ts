/** A source of the current time in milliseconds; injectable so lease logic is tested with a fake clock. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
