import type { ServiceInstance } from "@outrigger/discovery";
import { leastRequest } from "./load-metric.js";
import { type Random, randomIndex } from "./random.js";
import type { RandomOptions } from "./random-rule.js";
import { notTripped, type Rule, type RuleContext } from "./rule.js";

/** Settings of the rule: only its random source. */
export type BestAvailableOptions = RandomOptions;

/**
 * Ribbon's best available: the untripped instance with the fewest requests in flight (recent failures count as
 * requests in flight, `leastRequest`; Ribbon skipped servers its connection-failure breaker had tripped, which a
 * fast 500 never trips). Ties are broken at random;
 * Ribbon took the first, which sent a whole idle fleet's traffic to one server.
 */
export class BestAvailableRule implements Rule {
  readonly #random: Random;

  constructor(options: BestAvailableOptions = {}) {
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const pool = notTripped(candidates, context);
    let least = Number.POSITIVE_INFINITY;
    let best: ServiceInstance[] = [];
    for (const c of pool) {
      const load = leastRequest(context.stats(c.id), context.now);
      if (load < least) {
        least = load;
        best = [c];
      } else if (load === least) best.push(c);
    }
    return best[randomIndex(this.#random, best.length)] as ServiceInstance;
  }
}
