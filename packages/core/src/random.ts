/** A source of uniform numbers in [0, 1); injectable so random choices are reproducible in tests. */
export type Random = () => number;

/**
 * A small seeded generator (mulberry32, Tommy Ettinger's 32-bit mixer) for reproducible tests, fuzzers and
 * benchmark resamples: the same seed gives the same sequence on every run and platform. Not for secrets.
 */
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
