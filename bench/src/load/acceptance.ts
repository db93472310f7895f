/** The share of the target rate a run must reach to count: below it, the generator (not the system) was the limit. */
export const MIN_RATE_SHARE = 0.99;

/** What a run achieved against what it was asked to do. */
export interface RateCheck {
  readonly targetPerSec: number;
  readonly achievedPerSec: number;
  readonly accepted: boolean;
  /** Why the run was rejected; absent when accepted. */
  readonly reason?: string;
}

/**
 * Accepts a run when it sent at least 99% of its target rate on time. `sentOnTime` counts requests that left within
 * `lateToleranceMs` of their intended time; later ones still count in the latency (from the intended time), but a
 * run that could not keep the schedule says more about the generator than about the proxy.
 */
export function checkRate(targetPerSec: number, sentOnTime: number, durationMs: number): RateCheck {
  const achievedPerSec = (sentOnTime * 1000) / durationMs;
  const accepted = achievedPerSec >= targetPerSec * MIN_RATE_SHARE;
  return accepted
    ? { targetPerSec, achievedPerSec, accepted }
    : {
        targetPerSec,
        achievedPerSec,
        accepted,
        reason: `sent ${achievedPerSec.toFixed(1)}/s on time, below ${MIN_RATE_SHARE * 100}% of ${targetPerSec}/s`,
      };
}
