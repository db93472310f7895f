import type { Disposable } from "./event.js";

/**
 * The longest delay `setTimeout` honours: 2^31−1 ms (≈ 24.8 days). Node turns a longer one into 1 ms with a
 * TimeoutOverflowWarning (nodejs.org/api/timers.html#settimeoutcallback-delay-args), so a "600h" TTL would fire at
 * once.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Runs `fn` once after `delayMs`, for any finite delay: longer ones are chained through hops of at most
 * `MAX_TIMER_DELAY_MS`. Unref'd, so it never holds a process open. A negative or non-finite delay throws
 * `RangeError` (callers validate options first; reaching here with one is a bug).
 */
export function setLongTimeout(fn: () => void, delayMs: number): Disposable {
  if (!Number.isFinite(delayMs) || delayMs < 0)
    throw new RangeError(`delay must be a finite number ≥ 0, got ${delayMs}`);
  let remaining = delayMs;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const hop = Math.min(remaining, MAX_TIMER_DELAY_MS);
    remaining -= hop;
    timer = setTimeout(remaining > 0 ? arm : fn, hop);
    timer.unref();
  };
  arm();
  return { dispose: () => clearTimeout(timer) };
}

/** `ms` limited to what `setTimeout` honours, for delays where waiting "at most ~24 days" is the intent. */
export function clampTimerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_DELAY_MS);
}
