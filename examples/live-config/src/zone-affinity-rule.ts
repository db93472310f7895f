import type { ServiceInstance } from "@outrigger/discovery";
import { RoundRobinRule, type Rule } from "@outrigger/loadbalancer";

/**
 * Prefers instances in one zone, taking them in turn, and falls back to all candidates when that zone has none.
 * Written against the public `Rule` interface: @outrigger/loadbalancer on main ships round robin only.
 */
export class ZoneAffinityRule implements Rule {
  readonly #inner = new RoundRobinRule();

  constructor(readonly zone: string) {}

  choose(candidates: readonly ServiceInstance[]): ServiceInstance {
    const local = candidates.filter((c) => c.zone === this.zone);
    return this.#inner.choose(local.length > 0 ? local : candidates);
  }
}
