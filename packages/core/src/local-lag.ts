/**
 * The local-lag rule, one implementation for every transport and policy: a timeout whose own timer ran more than
 * a threshold after it was due was caused by this process (a blocked or saturated event loop), not by the
 * upstream. The caller still gets the timeout, but the attempt must not count against the instance: on a loaded
 * client every instance would otherwise be ejected at once. Envoy draws the same line between a local-origin
 * timeout and an upstream one (source/common/upstream/outlier_detection_impl.cc, `Result::LocalOriginTimeout`).
 */

/** Default threshold (ms): a timer 100 ms late means the event loop, not the upstream, was stuck. */
export const LOCAL_LAG_THRESHOLD_MS = 100;

const LATE_MS = Symbol.for("outrigger.timerLateMs");

/**
 * Records on a timeout's error how late (monotonic ms, ≥ 0) the timer that raised it ran, so whoever judges the
 * attempt (a load balancer, several layers out) can apply `isLocalLag`. A frozen or primitive error is left as is.
 */
export function markTimerLate<E>(error: E, lateMs: number): E {
  if (typeof error === "object" && error !== null && Object.isExtensible(error))
    Object.defineProperty(error, LATE_MS, { value: lateMs, configurable: true });
  return error;
}

/** How late the timer that raised `error` ran (ms), or undefined when a timer did not raise it or did not say. */
export function timerLateMsOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const late = (error as { [LATE_MS]?: unknown })[LATE_MS];
  return typeof late === "number" ? late : undefined;
}

/**
 * True when a timeout whose timer ran `lateMs` late (undefined: not known) is this process's lag rather than the
 * upstream's slowness: strictly more than `thresholdMs` late.
 */
export function isLocalLag(lateMs: number | undefined, thresholdMs: number): boolean {
  return lateMs !== undefined && lateMs > thresholdMs;
}
