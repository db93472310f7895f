/** One round of the steady phase: repetition `rep` (0-based) of every variant at `rate`, in pass `pass` (0-based). */
export interface SteadyRound {
  readonly rate: number;
  readonly rep: number;
  /** A rate has at most one round per pass: the steady phase starts new clients for each pass (`fresh.ts`). */
  readonly pass: number;
}

/** `items` rotated by `by`, so each leads in turn: the variants of repetition `rep`'s round, the rounds of a pass. */
export function roundOrder<T>(items: readonly T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length] as T);
}

/**
 * The order of the steady phase's rounds when rates have different repetition counts (`repsOf`): one pass per
 * repetition of the rate with most, and each other rate's repetitions spread evenly over those passes (rate with `k`
 * of `n` runs its repetition `j` in the pass where ⌊(pass + 1)·k / n⌋ first exceeds `j`). So every rate's
 * repetitions span the whole phase and slow drift of a shared machine lands on all rates alike; within a round
 * every variant runs once, which is what pairs them. The rates' order is rotated by the pass (`roundOrder`), so
 * each rate comes first, and last, in turn: a client's heap fills as its pass goes on, and with a fixed order its
 * next mark-compact fell in the same rate's window pass after pass (run 2026-12-04-full-22: `sdk`'s in 18 of its 20
 * windows at 2 000/s, the last rate, the node:http clients' at 300/s). Rotation takes away the certainty, not the
 * weight: the fast windows hold most of a pass's requests, and in full-23 `sdk`'s still fell at 2 000/s in 17 of 20.
 */
export function steadyPlan(rates: readonly number[], repsOf: (rate: number) => number): SteadyRound[] {
  const passes = Math.max(0, ...rates.map(repsOf));
  const plan: SteadyRound[] = [];
  for (let pass = 0; pass < passes; pass++) {
    for (const rate of roundOrder(rates, pass)) {
      const k = repsOf(rate);
      const done = Math.floor((pass * k) / passes);
      if (Math.floor(((pass + 1) * k) / passes) > done) plan.push({ rate, rep: done, pass });
    }
  }
  return plan;
}
