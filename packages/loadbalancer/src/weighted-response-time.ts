import type { ServiceInstance } from "@outrigger/discovery";
import type { Random } from "./random.js";
import type { RandomOptions } from "./random-rule.js";
import type { Rule, RuleContext } from "./rule.js";
import { weightedPick } from "./weighted-pick.js";

/** Settings of the rule: only its random source. */
export type WeightedResponseTimeOptions = RandomOptions;

/**
 * Ribbon's weighting — an instance's weight is the sum of all average response times minus its own — over a
 * decaying average instead of Ribbon's cumulative one, so a recovered instance regains traffic within the decay
 * time. Instances not yet measured are given the mean of the measured ones.
 */
export class WeightedResponseTimeRule implements Rule {
  readonly #random: Random;

  constructor(options: WeightedResponseTimeOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const averages = candidates.map((c) => context.stats(c.id).averageRttMs());
    const measured = averages.filter((a): a is number => a !== undefined);
    const mean = measured.length > 0 ? measured.reduce((s, a) => s + a, 0) / measured.length : 0;
    const filled = averages.map((a) => a ?? mean);
    const total = filled.reduce((s, a) => s + a, 0);
    return weightedPick(
      candidates,
      filled.map((a) => total - a),
      this.#random,
    );
  }
}
