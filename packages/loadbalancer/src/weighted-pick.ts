import type { ServiceInstance } from "@outrigger/discovery";
import { type Random, randomIndex } from "./random.js";

/**
 * Picks a candidate with probability proportional to its weight (weights ≥ 0). Falls back to uniform when all
 * weights are zero, so a rule never refuses to choose.
 */
export function weightedPick(
  candidates: readonly ServiceInstance[],
  weights: readonly number[],
  random: Random,
): ServiceInstance {
  let total = 0;
  for (const w of weights) total += Math.max(w, 0);
  if (!(total > 0)) return candidates[randomIndex(random, candidates.length)] as ServiceInstance;
  let point = random() * total;
  for (let i = 0; i < candidates.length; i++) {
    const w = weights[i] as number;
    if (w <= 0) continue;
    point -= w;
    if (point < 0) return candidates[i] as ServiceInstance;
  }
  // Rounding can leave the point at the very end: the last positive weight takes it.
  for (let i = candidates.length - 1; i >= 0; i--)
    if ((weights[i] as number) > 0) return candidates[i] as ServiceInstance;
  return candidates[0] as ServiceInstance;
}
