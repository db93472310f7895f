// Interleaving only: the statistics are @outrigger/bench-stats's (one interval and verdict rule for every bench).

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
 * Runs `rounds` rounds; in each, every arm is started, runs `batch(name)` once and is stopped, in a fresh random
 * order (a fixed rotation would give each arm the same predecessor, whose leftovers — garbage, a span export — it
 * would always pay for), and `settle()` runs after each batch, untimed, to collect what it left. Returns each arm's
 * figure per round, in round order: index `r` of every arm ran under the same stretch of machine load, so
 * differences and ratios are taken pairwise by round. `enough()`, asked before each round, ends the run early (a time
 * budget): every arm always has the same number of rounds.
 */
export async function interleave(
  arms: Record<string, () => () => void>,
  rounds: number,
  batch: (name: string) => Promise<number> | number,
  settle: () => Promise<void> | void = () => undefined,
  enough: () => boolean = () => false,
): Promise<Record<string, number[]>> {
  const names = Object.keys(arms);
  const out: Record<string, number[]> = {};
  for (const name of names) out[name] = [];
  for (let r = 0; r < rounds && !enough(); r++) {
    for (const name of shuffled(names)) {
      const stop = (arms[name] as () => () => void)();
      const value = await batch(name);
      stop();
      await settle();
      out[name]?.push(value);
    }
  }
  return out;
}
