import { requireInteger, requireNumber } from "./errors.js";

/** Settings of a latency tracker. */
export interface LatencyTrackerOptions {
  /** Latest samples kept (default 1000). */
  readonly size?: number;
  /** Which quantile `current()` returns, 0–1 (default 0.95). */
  readonly quantile?: number;
}

/** The percentile is recomputed after this many new samples: sorting on every call would cost more than the call. */
const RECOMPUTE_EVERY = 50;

/** Keeps the latest latencies and answers a quantile of them (the observed p95, to time a hedge). */
export class LatencyTracker {
  readonly #samples: Float64Array;
  readonly #quantile: number;
  #count = 0;
  #next = 0;
  #sinceCompute = 0;
  #cached: number | undefined;

  constructor(options: LatencyTrackerOptions = {}) {
    this.#samples = new Float64Array(requireInteger("size", options.size ?? 1_000, 1));
    this.#quantile = requireNumber("quantile", options.quantile ?? 0.95, 0, 1);
  }

  /** Records one latency in ms. */
  record(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count = Math.min(this.#count + 1, this.#samples.length);
    if (++this.#sinceCompute >= RECOMPUTE_EVERY) this.#cached = undefined;
  }

  /** Samples held. */
  get count(): number {
    return this.#count;
  }

  /** The quantile of the samples held, or undefined before the first one. */
  current(): number | undefined {
    if (this.#count === 0) return undefined;
    if (this.#cached === undefined || this.#count < RECOMPUTE_EVERY) {
      const sorted = this.#samples.slice(0, this.#count).sort();
      this.#cached = sorted[Math.min(this.#count - 1, Math.floor(this.#quantile * this.#count))];
      this.#sinceCompute = 0;
    }
    return this.#cached;
  }
}
