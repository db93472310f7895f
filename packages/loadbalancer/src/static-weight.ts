import type { ServiceInstance } from "@outrigger/discovery";
import type { Random } from "./random.js";
import type { Rule } from "./rule.js";
import { weightedPick } from "./weighted-pick.js";

/** Settings of the static-weight rule. */
export interface StaticWeightOptions {
  /** Metadata key holding the weight when the instance has no `weight` field (default "weight"). */
  readonly metadataKey?: string;
  readonly random?: Random;
}

/** An instance's configured weight: its `weight`, else its metadata entry, else 1; never negative. */
export function staticWeight(instance: ServiceInstance, metadataKey = "weight"): number {
  const raw = instance.weight ?? Number(instance.metadata[metadataKey] ?? 1);
  return Number.isFinite(raw) && raw > 0 ? raw : raw === 0 ? 0 : 1;
}

/** Picks at random in proportion to each instance's configured weight (bigger machines take more). */
export class StaticWeightRule implements Rule {
  readonly #key: string;
  readonly #random: Random;

  constructor(options: StaticWeightOptions = {}) {
    this.#key = options.metadataKey ?? "weight";
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[]): ServiceInstance {
    return weightedPick(
      candidates,
      candidates.map((c) => staticWeight(c, this.#key)),
      this.#random,
    );
  }
}
