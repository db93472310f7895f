import type { ServiceInstance } from "@outrigger/discovery";
import { type Random, randomIndex } from "./random.js";
import type { Rule } from "./rule.js";

/** Settings of the random rule. */
export interface RandomOptions {
  readonly random?: Random;
}

/** Picks a uniformly random candidate; never out of range, even with a source that returns 1 (Ribbon's fault). */
export class RandomRule implements Rule {
  readonly #random: Random;

  constructor(options: RandomOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[]): ServiceInstance {
    return candidates[randomIndex(this.#random, candidates.length)] as ServiceInstance;
  }
}
