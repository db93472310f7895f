import type { ServiceInstance } from "@outrigger/discovery";
import { type Random, randomIndex } from "./clock.js";
import { type LoadMetric, leastRequest, peakEwma } from "./load-metric.js";
import type { Rule, RuleContext } from "./rule.js";

/** Settings of the power-of-two-choices rule. */
export interface P2cOptions {
  /** How loaded an instance looks (default: least request). */
  readonly metric?: LoadMetric;
  readonly random?: Random;
}

/**
 * Power of two choices (Mitzenmacher; Finagle's and Linkerd's default): draws two distinct candidates at random
 * and takes the less loaded. O(1) per pick, and unlike "least loaded of all" it does not herd every caller onto
 * the same instance between load updates.
 */
export class P2cRule implements Rule {
  readonly #metric: LoadMetric;
  readonly #random: Random;

  constructor(options: P2cOptions = {}) {
    this.#metric = options.metric ?? leastRequest;
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    const n = candidates.length;
    if (n === 1) return candidates[0] as ServiceInstance;
    const i = randomIndex(this.#random, n);
    // The second draw skips the first, so the two are always distinct.
    let j = randomIndex(this.#random, n - 1);
    if (j >= i) j++;
    const a = candidates[i] as ServiceInstance;
    const b = candidates[j] as ServiceInstance;
    const loadA = this.#metric(context.stats(a.id), context.now);
    const loadB = this.#metric(context.stats(b.id), context.now);
    if (loadA === loadB) return this.#random() < 0.5 ? a : b;
    return loadA < loadB ? a : b;
  }
}

/** P2C over requests in flight (Envoy's and Finagle's least-request). */
export function p2cLeastRequest(options: Omit<P2cOptions, "metric"> = {}): P2cRule {
  return new P2cRule({ ...options, metric: leastRequest });
}

/** P2C over peak EWMA latency × requests in flight (Finagle's and Linkerd's latency-aware balancer). */
export function p2cPeakEwma(options: Omit<P2cOptions, "metric"> = {}): P2cRule {
  return new P2cRule({ ...options, metric: peakEwma });
}
