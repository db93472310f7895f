import type { ServiceInstance } from "@outrigger/discovery";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule, RuleContext } from "./rule.js";
import { NO_ZONE } from "./zones.js";

/** Settings of the zone-preference rule. */
export interface ZonePreferenceOptions {
  /** The caller's own zone. */
  readonly zone: string;
  /** Fewest healthy local instances to stay local (default 1). */
  readonly minHealthy?: number;
  /**
   * Smallest share of the local zone's UP instances that must be healthy to stay local (default 0.5): when half
   * the zone is ejected, the rest would take double load, so spread over all zones instead.
   */
  readonly minHealthyShare?: number;
  /** Chooses among the instances kept (default: round robin). */
  readonly rule?: Rule;
}

/**
 * Zone affinity: sends everything to instances in the caller's zone (no cross-zone latency or cost), and falls
 * back to every zone when the local one has too few healthy instances.
 */
export class ZonePreferenceRule implements Rule {
  readonly #zone: string;
  readonly #minHealthy: number;
  readonly #minShare: number;
  readonly #rule: Rule;

  constructor(options: ZonePreferenceOptions) {
    this.#zone = options.zone;
    this.#minHealthy = options.minHealthy ?? 1;
    this.#minShare = options.minHealthyShare ?? 0.5;
    this.#rule = options.rule ?? new RoundRobinRule();
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const isLocal = (i: ServiceInstance): boolean => (i.zone ?? NO_ZONE) === this.#zone;
    const local = candidates.filter(isLocal);
    const localUp = context.all.filter(isLocal).length;
    const enough = local.length >= this.#minHealthy && local.length >= localUp * this.#minShare;
    return this.#rule.choose(enough ? local : candidates, context);
  }
}
