import type { ServiceInstance } from "@outrigger/discovery";
import type { Random } from "./random.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule, RuleContext } from "./rule.js";

/** Settings of slow start. */
export interface SlowStartOptions {
  /** How long a new instance ramps up. */
  readonly windowMs: number;
  /** Envoy's aggression: 1 ramps linearly, larger ramps faster early (weight ∝ timeFactor^(1/aggression)). */
  readonly aggression?: number;
  /** Floor of the ramp as a share of full weight (Envoy: 10%), so a new instance still gets warm-up traffic. */
  readonly minWeightShare?: number;
  /** The rule whose choices are ramped (default: round robin). */
  readonly rule?: Rule;
  readonly random?: Random;
}

/** Envoy's ramp: the share of full weight an instance `ageMs` old gets, in (0, 1]. */
export function slowStartFactor(ageMs: number, options: SlowStartOptions): number {
  if (!(ageMs < options.windowMs)) return 1;
  const timeFactor = Math.max(ageMs, 1000) / options.windowMs;
  return Math.max(options.minWeightShare ?? 0.1, timeFactor ** (1 / (options.aggression ?? 1)));
}

/**
 * Envoy-style slow start over any rule: an instance that joined less than `windowMs` ago is accepted only with
 * probability equal to its ramp factor; otherwise the inner rule chooses again among the others. So its share
 * grows from the floor to its full share over the window, whatever the inner rule.
 */
export class SlowStartRule implements Rule {
  readonly #rule: Rule;
  readonly #random: Random;

  constructor(readonly options: SlowStartOptions) {
    this.#rule = options.rule ?? new RoundRobinRule();
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const chosen = this.#rule.choose(candidates, context);
    const factor = slowStartFactor(context.now - context.stats(chosen.id).addedAt, this.options);
    if (factor >= 1 || this.#random() < factor) return chosen;
    const others = candidates.filter((c) => c !== chosen);
    return others.length > 0 ? this.#rule.choose(others, context) : chosen;
  }
}
