/** Median of `values` and its 95% confidence interval from order statistics (normal approximation to the binomial). */
export function medianCi(values: readonly number[]): { median: number; low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number) => sorted[Math.min(n - 1, Math.max(0, Math.round(i)))] as number;
  const half = 1.96 * Math.sqrt(n) * 0.5;
  return { median: at(n / 2), low: at(n / 2 - half), high: at(n / 2 + half) };
}

/** "met" when the whole interval is under `goal`, "missed" when it is all above, else "inconclusive". */
export function verdict(ci: { low: number; high: number }, goal: number): string {
  return ci.high <= goal ? "met" : ci.low > goal ? "missed" : "inconclusive";
}

/** `names` in a random order (Fisher–Yates). */
function shuffled(names: readonly string[]): string[] {
  const out = [...names];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}

/**
 * Runs `rounds` rounds; in each, every arm runs `batch()` once, in a fresh random order (a fixed rotation would
 * give each arm the same predecessor, whose leftovers — garbage, a span export — it would always pay for), and
 * `settle()` runs between batches, untimed, to collect what the previous arm left. Returns, per arm, the batch
 * figures and the per-round difference from the first arm (the baseline): a paired difference cancels the drift
 * in machine load that both sides of a pair share.
 */
export async function interleave(
  arms: Record<string, () => () => void>,
  rounds: number,
  batch: () => Promise<number> | number,
  settle: () => Promise<void> | void = () => undefined,
): Promise<Record<string, { values: number[]; diffs: number[] }>> {
  const names = Object.keys(arms);
  const out: Record<string, { values: number[]; diffs: number[] }> = {};
  for (const name of names) out[name] = { values: [], diffs: [] };
  for (let r = 0; r < rounds; r++) {
    const round: Record<string, number> = {};
    for (const name of shuffled(names)) {
      const stop = (arms[name] as () => () => void)();
      round[name] = await batch();
      stop();
      await settle();
    }
    const base = round[names[0] as string] as number;
    for (const name of names) {
      out[name]?.values.push(round[name] as number);
      out[name]?.diffs.push((round[name] as number) - base);
    }
  }
  return out;
}
