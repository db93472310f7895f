import type { ServiceInstance } from "@outrigger/discovery";
import { DEFAULT_RTT_MS } from "./instance-stats.js";
import type { Random } from "./random.js";
import type { RandomOptions } from "./random-rule.js";
import type { Rule, RuleContext } from "./rule.js";
import { weightedPick } from "./weighted-pick.js";

/** Settings of the rule. */
export interface WeightedResponseTimeOptions extends RandomOptions {
  /**
   * The most an instance not yet measured is assumed to take (ms); default 30, Linkerd's default RTT. Without a
   * cap an unmeasured instance took the mean of the measured ones — when the only measured one was failing, its
   * failure penalty, so the failing instance kept an even share until its peers' first answers came back. Set it
   * beside the balancer's `stats.defaultRttMs` when that is changed: the rule does not read the balancer's options.
   */
  readonly defaultRttMs?: number;
}

/**
 * Ribbon's weighting — an instance's weight is the sum of all average response times minus its own — over a
 * decaying average instead of Ribbon's cumulative one, so a recovered instance regains traffic within the decay
 * time. Instances not yet measured are given the mean of the measured ones, at most `defaultRttMs`.
 */
export class WeightedResponseTimeRule implements Rule {
  readonly #random: Random;
  readonly #defaultRttMs: number;

  constructor(options: WeightedResponseTimeOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#defaultRttMs = options.defaultRttMs ?? DEFAULT_RTT_MS;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const averages = candidates.map((c) => context.stats(c.id).averageRttMs());
    const measured = averages.filter((a): a is number => a !== undefined);
    const mean = measured.length > 0 ? measured.reduce((s, a) => s + a, 0) / measured.length : 0;
    const unmeasured = Math.min(mean, this.#defaultRttMs);
    const filled = averages.map((a) => a ?? unmeasured);
    const total = filled.reduce((s, a) => s + a, 0);
    return weightedPick(
      candidates,
      filled.map((a) => total - a),
      this.#random,
    );
  }
}
