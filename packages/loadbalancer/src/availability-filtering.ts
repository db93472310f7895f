import type { ServiceInstance } from "@outrigger/discovery";
import { RoundRobinRule } from "./round-robin.js";
import { notTripped, type Rule, type RuleContext } from "./rule.js";

/** Settings of the availability-filtering rule. */
export interface AvailabilityFilteringOptions {
  /** Instances with at least this many requests in flight are skipped (default: no limit, as Ribbon). */
  readonly activeLimit?: number;
  /** Chooses among the instances that pass (default: round robin). */
  readonly rule?: Rule;
}

/**
 * Ribbon's availability filtering: skips tripped (ejected) instances and ones at their in-flight limit, then
 * lets another rule choose. When nothing passes it chooses among all, rather than failing the request.
 */
export class AvailabilityFilteringRule implements Rule {
  readonly #limit: number;
  readonly #rule: Rule;

  constructor(options: AvailabilityFilteringOptions = {}) {
    this.#limit = options.activeLimit ?? Number.POSITIVE_INFINITY;
    this.#rule = options.rule ?? new RoundRobinRule();
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const available = notTripped(candidates, context).filter((c) => context.stats(c.id).active < this.#limit);
    return this.#rule.choose(available.length > 0 ? available : candidates, context);
  }
}
