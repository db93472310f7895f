import type { ServiceInstance } from "@outrigger/discovery";
import { type Random, randomIndex } from "./random.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule, RuleContext } from "./rule.js";
import { byZone } from "./zones.js";

/** Settings of the zone-avoidance rule. */
export interface ZoneAvoidanceOptions {
  /**
   * A zone whose requests in flight per available instance reach this is a candidate for avoidance. Ribbon's
   * default 0.2 fires on any traffic at all; 1 means "every instance is busy".
   */
  readonly triggeringLoadPerInstance?: number;
  /** A zone with at least this share of its instances ejected is avoided outright (Ribbon: 0.99999 — all). */
  readonly trippedShare?: number;
  /** Chooses inside the zones kept (default: round robin). */
  readonly rule?: Rule;
  readonly random?: Random;
}

/**
 * Ribbon's zone avoidance: drops zones whose instances are all ejected, then, when the busiest zone's load per
 * instance reaches the trigger, drops that zone too (one of the busiest at random), and chooses among the rest.
 */
export class ZoneAvoidanceRule implements Rule {
  readonly #trigger: number;
  readonly #tripped: number;
  readonly #rule: Rule;
  readonly #random: Random;

  constructor(options: ZoneAvoidanceOptions = {}) {
    this.#trigger = options.triggeringLoadPerInstance ?? 1;
    this.#tripped = options.trippedShare ?? 0.99999;
    this.#rule = options.rule ?? new RoundRobinRule();
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const zones = byZone(candidates);
    if (zones.size <= 1) return this.#rule.choose(candidates, context);
    const kept = new Map<string, ServiceInstance[]>();
    let worstLoad = -1;
    let worst: string[] = [];
    for (const [zone, members] of zones) {
      const ejected = members.filter((m) => context.isEjected(m.id));
      if (ejected.length / members.length >= this.#tripped) continue;
      const active = members.reduce((s, m) => s + context.stats(m.id).active, 0);
      const load = active / (members.length - ejected.length);
      kept.set(zone, members);
      if (load > worstLoad) {
        worstLoad = load;
        worst = [zone];
      } else if (load === worstLoad) worst.push(zone);
    }
    if (kept.size > 1 && worstLoad >= this.#trigger)
      kept.delete(worst[randomIndex(this.#random, worst.length)] as string);
    const pool = [...kept.values()].flat();
    return this.#rule.choose(pool.length > 0 ? pool : candidates, context);
  }
}
