import type { Interval } from "./interval.js";
import { normalQuantile } from "./normal.js";

/**
 * The `q` quantile (0 < q < 1) of `samples` (nearest rank) with a distribution-free confidence interval from
 * order statistics: ranks n·q ∓ z·√(n·q·(1−q)) (the binomial normal approximation; e.g. Hahn & Meeker,
 * "Statistical Intervals", §5.2). When a rank falls outside the samples the bound is unknown: `hi` is +Infinity
 * (too few samples to bound a high percentile from above, so "at most" can never be met from them) and `lo` is
 * -Infinity. Non-finite samples are ignored.
 */
export function quantileInterval(samples: readonly number[], q: number, level = 0.95): Interval {
  const sorted = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0 || !(q > 0 && q < 1)) return { estimate: Number.NaN, lo: Number.NaN, hi: Number.NaN, n, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const spread = z * Math.sqrt(n * q * (1 - q));
  const rank = (r: number) => sorted[r - 1] as number; // 1-based
  const lowRank = Math.floor(n * q - spread);
  const highRank = Math.ceil(n * q + spread) + 1;
  return {
    estimate: rank(Math.max(1, Math.ceil(n * q))),
    lo: lowRank >= 1 ? rank(lowRank) : Number.NEGATIVE_INFINITY,
    hi: highRank <= n ? rank(highRank) : Number.POSITIVE_INFINITY,
    n,
    level,
  };
}

/** The fewest samples for which `quantileInterval` has a finite upper bound at `q` (e.g. 0.99 → 473). */
export function samplesToBound(q: number, level = 0.95): number {
  const z = normalQuantile(1 - (1 - level) / 2);
  let n = 1;
  while (Math.ceil(n * q + z * Math.sqrt(n * q * (1 - q))) + 1 > n) n += 1;
  return n;
}
