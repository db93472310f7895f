import { requireInteger, requireNumber } from "./errors.js";

/** Settings of the Vegas estimator; defaults are Netflix concurrency-limits' `VegasLimit`. */
export interface VegasOptions {
  readonly initialLimit?: number;
  readonly maxLimit?: number;
  /** How fast the limit moves toward its new value, 0–1 (default 1: at once). */
  readonly smoothing?: number;
}

/**
 * TCP Vegas applied to concurrency (Netflix concurrency-limits' VegasLimit). The lowest RTT seen is the no-load
 * RTT; `limit × (1 − rttNoLoad / rtt)` estimates how many calls are queued at the server. Fewer than α (3·log10
 * limit) queued: grow; more than β (6·log10 limit): shrink. Anchoring on the minimum keeps the limit from drifting
 * upward as latency grows, the known weakness of gradient estimators that follow an average.
 */
export class VegasLimit {
  readonly #max: number;
  readonly #smoothing: number;
  #limit: number;
  #rttNoLoad = 0;

  constructor(options: VegasOptions = {}) {
    this.#limit = requireInteger("initialLimit", options.initialLimit ?? 20, 1);
    this.#max = requireInteger("maxLimit", options.maxLimit ?? 1_000, this.#limit);
    this.#smoothing = requireNumber("smoothing", options.smoothing ?? 1, 0.001, 1);
  }

  /** The current limit, a whole number of concurrent calls. */
  get limit(): number {
    return Math.max(1, Math.floor(this.#limit));
  }

  /** Feeds one finished call: its RTT, how many were in flight when it started, and whether it was dropped (timeout). */
  sample(rttMs: number, inflight: number, dropped = false): void {
    const rtt = Math.max(rttMs, 0.001);
    if (this.#rttNoLoad === 0 || rtt < this.#rttNoLoad) {
      this.#rttNoLoad = rtt;
      return;
    }
    // Too few calls in flight to say anything about the limit (the application, not the server, is the bottleneck).
    if (!dropped && inflight * 2 < this.#limit) return;
    const log = Math.max(1, Math.log10(this.#limit));
    const queued = Math.ceil(this.#limit * (1 - this.#rttNoLoad / rtt));
    let next = this.#limit;
    if (dropped || queued > 6 * log) next = this.#limit - log;
    else if (queued <= log)
      next = this.#limit + 6 * log; // slow start: nothing queued at all
    else if (queued < 3 * log) next = this.#limit + log;
    next = Math.max(1, Math.min(this.#max, next));
    this.#limit = this.#limit * (1 - this.#smoothing) + next * this.#smoothing;
  }
}
