import type { Random } from "@outrigger/core";

export type { Random };

/**
 * An index in [0, n) from a random source. Clamped, because a custom source may return 1 and Ribbon's random
 * rule indexed out of range exactly that way.
 */
export function randomIndex(random: Random, n: number): number {
  const i = Math.floor(random() * n);
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}
