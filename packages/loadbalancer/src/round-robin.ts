import type { ServiceInstance } from "@outrigger/discovery";
import type { Rule } from "./rule.js";

/** Settings of the round-robin rule. */
export interface RoundRobinOptions {
  /** Source of randomness for the starting position, injectable for tests. */
  readonly random?: () => number;
}

/**
 * Takes candidates in turn. It starts at a random position so that a fleet of clients, all started at once,
 * does not send its first requests to the same instance.
 */
export class RoundRobinRule implements Rule {
  #next: number;

  constructor(options: RoundRobinOptions = {}) {
    this.#next = Math.floor((options.random ?? Math.random)() * 1_000_000);
  }

  choose(candidates: readonly ServiceInstance[]): ServiceInstance {
    const index = this.#next % candidates.length;
    this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER;
    return candidates[index] as ServiceInstance;
  }
}
