import type { ServiceInstance } from "@outrigger/discovery";
import type { Rule, RuleContext } from "./rule.js";

/** Settings of the round-robin rule. */
export interface RoundRobinOptions {
  /** Source of randomness for the starting position, injectable for tests. */
  readonly random?: () => number;
}

/**
 * Takes candidates in turn. It starts at a random position so that a fleet of clients, all started at once,
 * does not send its first requests to the same instance. A retry's pick reads the position without moving it:
 * when it moved, the instance after a refusing one took the retries on top of its own turn (75 vs 225 requests
 * to the two survivors of three, replayed in `round-robin.test.ts`).
 */
export class RoundRobinRule implements Rule {
  #next: number;

  constructor(options: RoundRobinOptions = {}) {
    this.#next = Math.floor((options.random ?? Math.random)() * 1_000_000);
  }

  choose(candidates: readonly ServiceInstance[], context?: RuleContext): ServiceInstance {
    const index = this.#next % candidates.length;
    if (context?.retry) return candidates[index] as ServiceInstance;
    this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER;
    return candidates[index] as ServiceInstance;
  }
}
