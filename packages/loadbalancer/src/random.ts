/** A source of uniform numbers in [0, 1); injectable so random choices are reproducible in tests. */
export type Random = () => number;

/**
 * An index in [0, n) from a random source. Clamped, because a custom source may return 1 and Ribbon's random
 * rule indexed out of range exactly that way.
 */
export function randomIndex(random: Random, n: number): number {
  const i = Math.floor(random() * n);
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** A small seeded generator (mulberry32) for reproducible tests and benchmarks. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
