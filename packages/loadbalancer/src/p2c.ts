import type { ServiceInstance } from "@outrigger/discovery";
import { type LoadMetric, leastRequest, peakEwma } from "./load-metric.js";
import { type Random, randomIndex } from "./random.js";
import type { Rule, RuleContext } from "./rule.js";

/** Settings of the power-of-two-choices rule. */
export interface P2cOptions {
  /** How loaded an instance looks (default: least request). */
  readonly metric?: LoadMetric;
  readonly random?: Random;
  /**
   * Loads within this relative difference count as a tie, settled at random (default 0: exact ties only).
   * Lets a latency metric ignore measurement noise; see `p2cPeakEwma`.
   */
  readonly tieTolerance?: number;
}

/**
 * Peak-EWMA estimates of equal instances differ by timer and client GC noise of ±10% or more. Acting on such
 * differences sends most traffic to whichever instance had the quietest recent samples (measured: one of four
 * equal instances took a third of a sequential caller's requests), so differences under 10% count as ties.
 * A 2× slower instance is still always avoided.
 */
export const PEAK_EWMA_TIE_TOLERANCE = 0.1;

/**
 * Power of two choices (Mitzenmacher; Finagle's and Linkerd's default): draws two distinct candidates at random
 * and takes the less loaded. O(1) per pick, and unlike "least loaded of all" it does not herd every caller onto
 * the same instance between load updates.
 */
export class P2cRule implements Rule {
  readonly #metric: LoadMetric;
  readonly #random: Random;
  readonly #tolerance: number;

  constructor(options: P2cOptions = {}) {
    this.#metric = options.metric ?? leastRequest;
    this.#random = options.random ?? Math.random;
    this.#tolerance = options.tieTolerance ?? 0;
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
    if (Math.abs(loadA - loadB) <= this.#tolerance * Math.max(loadA, loadB)) return this.#random() < 0.5 ? a : b;
    return loadA < loadB ? a : b;
  }
}

/** P2C over requests in flight (Envoy's and Finagle's least-request). */
export function p2cLeastRequest(options: Omit<P2cOptions, "metric"> = {}): P2cRule {
  return new P2cRule({ ...options, metric: leastRequest });
}

/** P2C over peak EWMA latency × requests in flight (Finagle's and Linkerd's latency-aware balancer). */
export function p2cPeakEwma(options: Omit<P2cOptions, "metric"> = {}): P2cRule {
  return new P2cRule({ tieTolerance: PEAK_EWMA_TIE_TOLERANCE, ...options, metric: peakEwma });
}
