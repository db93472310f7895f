/** One round of the steady phase: repetition `rep` (0-based) of every variant at `rate`, in pass `pass` (0-based). */
export interface SteadyRound {
  readonly rate: number;
  readonly rep: number;
  /** A rate has at most one round per pass: the steady phase starts new clients for each pass (`fresh.ts`). */
  readonly pass: number;
}

/** The variants of repetition `rep`'s round, in measuring order: `variants` rotated by `rep`, so each leads in turn. */
export function roundOrder<T>(variants: readonly T[], rep: number): T[] {
  return variants.map((_, i) => variants[(i + rep) % variants.length] as T);
}

/**
 * The order of the steady phase's rounds when rates have different repetition counts (`repsOf`): one pass per
 * repetition of the rate with most, and each other rate's repetitions spread evenly over those passes (rate with `k`
 * of `n` runs its repetition `j` in the pass where ⌊(pass + 1)·k / n⌋ first exceeds `j`). So every rate's
 * repetitions span the whole phase and slow drift of a shared machine lands on all rates alike; within a round
 * every variant runs once, which is what pairs them. Rates keep their order inside a pass.
 */
export function steadyPlan(rates: readonly number[], repsOf: (rate: number) => number): SteadyRound[] {
  const passes = Math.max(0, ...rates.map(repsOf));
  const plan: SteadyRound[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const rate of rates) {
      const k = repsOf(rate);
      const done = Math.floor((pass * k) / passes);
      if (Math.floor(((pass + 1) * k) / passes) > done) plan.push({ rate, rep: done, pass });
    }
  }
  return plan;
}
