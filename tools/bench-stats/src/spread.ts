/** The middle and the spread of repeated measurements: what the report shows for every figure. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Repetitions the figure is made of. */
  readonly n: number;
}

/** Median (mean of the two middle values for an even count), min and max; NaN everywhere for no values. */
export function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = finite.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (finite[mid] as number) : ((finite[mid - 1] as number) + (finite[mid] as number)) / 2;
  return { median, min: finite[0] as number, max: finite[n - 1] as number, n };
}

/**
 * Latency a variant adds over the baseline, per repetition pair. Repetitions are interleaved, so pair `i` of both
 * ran under the same background load; pairing cancels much of a shared machine's drift.
 */
export function addedOver(variant: readonly number[], baseline: readonly number[]): Spread {
  const pairs = Math.min(variant.length, baseline.length);
  const deltas: number[] = [];
  for (let i = 0; i < pairs; i++) deltas.push((variant[i] as number) - (baseline[i] as number));
  return spreadOf(deltas);
}

/** `a / b`, or NaN when either is not a finite number or `b` is zero. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}
