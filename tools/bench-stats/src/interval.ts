import { seededRandom } from "@outrigger/core";

/** A figure and its confidence interval from a bootstrap over repetitions. */
export interface Interval {
  /** The statistic over all repetitions. */
  readonly estimate: number;
  /** Lower and upper bound of the percentile interval (NaN when it cannot be formed). */
  readonly lo: number;
  readonly hi: number;
  /** Repetitions the interval is made of. */
  readonly n: number;
  /** Confidence level, e.g. 0.95. */
  readonly level: number;
}

/** Repetitions below which no interval is formed: a bootstrap over fewer cannot stand for the spread of runs. */
export const MIN_REPS_FOR_INTERVAL = 5;

/** The `q` quantile (0–1) of sorted finite values, linearly interpolated. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (at - lo);
}

/** Default number of bootstrap resamples. */
export const RESAMPLES = 2_000;
/** Default seed: the same resamples on every summary of the same data. */
const SEED = 20_261_122;

/**
 * `count` resamples of `n` repetitions, each drawn with replacement. Repetitions stay whole, so everything measured
 * in one repetition (every variant of an interleaved round) moves together and the pairing survives; using the
 * same resamples for several figures keeps them comparable.
 */
export function resamples(n: number, count = RESAMPLES, seed = SEED): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => Array.from({ length: n }, () => Math.floor(random() * n)));
}

/** The percentile interval of bootstrap `values` around `estimate`; NaN bounds below `MIN_REPS_FOR_INTERVAL`. */
export function intervalOf(estimate: number, values: readonly number[], n: number, level = 0.95): Interval {
  if (n < MIN_REPS_FOR_INTERVAL) return { estimate, lo: Number.NaN, hi: Number.NaN, n, level };
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { estimate, lo: quantile(sorted, tail), hi: quantile(sorted, 1 - tail), n, level };
}

/** Percentile bootstrap over `n` repetitions: `statistic` gets the indices of one resample (see `resamples`). */
export function bootstrap(
  n: number,
  statistic: (indices: readonly number[]) => number,
  options: { resamples?: number; level?: number; seed?: number } = {},
): Interval {
  const estimate = n > 0 ? statistic(Array.from({ length: n }, (_, i) => i)) : Number.NaN;
  if (n < MIN_REPS_FOR_INTERVAL) return intervalOf(estimate, [], n, options.level);
  const values = resamples(n, options.resamples, options.seed).map(statistic);
  return intervalOf(estimate, values, n, options.level);
}

/** A goal's verdict: met or missed only when the whole interval is on one side of the threshold. */
export type Verdict = "met" | "missed" | "inconclusive";

/**
 * Verdict for "the figure is at most `threshold`": met when `hi` ≤ it, missed when `lo` > it, else inconclusive.
 * An unknown bound (NaN, or an infinite `hi` from too few samples) leaves only the other side's verdict.
 */
export function atMost(interval: Interval, threshold: number): Verdict {
  if (interval.hi <= threshold) return "met";
  if (interval.lo > threshold) return "missed";
  return "inconclusive";
}

/** Verdict for "the figure is at least `threshold`": met when `lo` ≥ it, missed when `hi` < it, else inconclusive. */
export function atLeast(interval: Interval, threshold: number): Verdict {
  if (interval.lo >= threshold) return "met";
  if (interval.hi < threshold) return "missed";
  return "inconclusive";
}

/** Mean of `values` at `indices` (NaN for none or any non-finite value). */
export function meanAt(values: readonly number[], indices: readonly number[]): number {
  let sum = 0;
  for (const i of indices) sum += values[i] as number;
  return indices.length > 0 ? sum / indices.length : Number.NaN;
}
