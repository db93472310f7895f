import type { ServiceInstance } from "@outrigger/discovery";
import { LbError } from "./errors.js";
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
  /**
   * Most requests in flight per healthy local instance, on average, to stay local (default: no limit, as Spring
   * Cloud's `ZonePreferenceServerListFilter`). At or above it every zone is used, so a zone with one instance is
   * not buried under the whole load (Ribbon's `ZoneAffinityServerListFilter`, `maxLoadPerServer`, 0.6 there;
   * spring-cloud/spring-cloud-netflix#1072).
   */
  readonly maxLoadPerInstance?: number;
  /** Chooses among the instances kept (default: round robin). */
  readonly rule?: Rule;
}

/**
 * Zone affinity: sends everything to instances in the caller's zone (no cross-zone latency or cost), and falls
 * back to every zone when the local one has too few healthy instances, or (with `maxLoadPerInstance`) too many
 * requests in flight on each.
 */
export class ZonePreferenceRule implements Rule {
  readonly #zone: string;
  readonly #minHealthy: number;
  readonly #minShare: number;
  readonly #maxLoad: number;
  readonly #rule: Rule;

  constructor(options: ZonePreferenceOptions) {
    this.#zone = options.zone;
    this.#minHealthy = options.minHealthy ?? 1;
    this.#minShare = options.minHealthyShare ?? 0.5;
    this.#maxLoad = options.maxLoadPerInstance ?? Number.POSITIVE_INFINITY;
    if (!(this.#maxLoad > 0)) {
      throw new LbError("LB_INVALID_OPTION", "maxLoadPerInstance must be above 0 (Ribbon's maxLoadPerServer is 0.6)");
    }
    this.#rule = options.rule ?? new RoundRobinRule();
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const isLocal = (i: ServiceInstance): boolean => (i.zone ?? NO_ZONE) === this.#zone;
    const local = candidates.filter(isLocal);
    const localUp = context.all.filter(isLocal).length;
    const enough =
      local.length >= this.#minHealthy && local.length >= localUp * this.#minShare && !this.#overloaded(local, context);
    return this.#rule.choose(enough ? local : candidates, context);
  }

  #overloaded(local: readonly ServiceInstance[], context: RuleContext): boolean {
    if (this.#maxLoad === Number.POSITIVE_INFINITY || local.length === 0) return false;
    let inFlight = 0;
    for (const i of local) inFlight += context.stats(i.id).active;
    return inFlight / local.length >= this.#maxLoad;
  }
}
