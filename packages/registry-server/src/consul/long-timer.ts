import { MAX_TIMER_MS } from "./check-limits.js";

/** A timer that can be stopped. */
export interface LongTimer {
  clear(): void;
}

/**
 * Calls `fn` once after `ms`, however long: `setTimeout` fires after 1 ms when asked for more than 2^31−1 ms
 * (about 24.8 days), so a longer delay is run as a chain of shorter ones. Every timer in the chain is unref'd.
 */
export function setLongTimeout(fn: () => void, ms: number): LongTimer {
  let timer: NodeJS.Timeout;
  const arm = (left: number): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(() => (left > step ? arm(left - step) : fn()), step).unref();
  };
  arm(Math.max(0, ms));
  return { clear: () => clearTimeout(timer) };
}
