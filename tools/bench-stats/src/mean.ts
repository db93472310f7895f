import type { Interval } from "./interval.js";
import { studentQuantile } from "./normal.js";

/**
 * The mean of `values` with Student's t interval (two-sided, `level`), for repeated paired measurements such as
 * per-round CPU ratios of interleaved rounds. Fewer than two finite values: NaN bounds.
 */
export function meanInterval(values: readonly number[], level = 0.95): Interval {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  const mean = n > 0 ? finite.reduce((a, b) => a + b, 0) / n : Number.NaN;
  if (n < 2) return { estimate: mean, lo: Number.NaN, hi: Number.NaN, n, level };
  const sd = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (studentQuantile(1 - (1 - level) / 2, n - 1) * sd) / Math.sqrt(n);
  return { estimate: mean, lo: mean - half, hi: mean + half, n, level };
}
