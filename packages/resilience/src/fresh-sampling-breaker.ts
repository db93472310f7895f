import { type Clock, monotonicClock } from "@outrigger/core";
import { CircuitState, type IBreaker } from "cockatiel";
import { requireNumber } from "./errors.js";

/** Settings of a time-window breaker, as cockatiel's SamplingBreaker. */
export interface SamplingBreakerOptions {
  /** Open when failures / calls exceeds this, strictly between 0 and 1. */
  readonly failureRatio: number;
  /** The window judged, in ms. */
  readonly durationMs: number;
  /** Calls per second needed before any verdict (cockatiel's default: 5 failures/s at the threshold). */
  readonly minimumRps?: number;
  /** Where the window reads the time (default: the monotonic clock; a wall-clock step moves no bucket). */
  readonly clock?: Clock;
}

interface Bucket {
  startedAt: number;
  failures: number;
  successes: number;
}

/**
 * Cockatiel 3's SamplingBreaker (same buckets, same verdict) with two faults fixed. Cockatiel rotates at most one
 * bucket per call, so after an idle period longer than the window the other buckets' old counts still add up: one
 * failure after a quiet hour can open the circuit on last hour's failures; here every bucket skipped over since the
 * last call is emptied. And cockatiel reads `Date.now()`, so a wall clock stepped back an hour freezes its window
 * and one stepped forward empties it; here the time comes from an injectable monotonic clock.
 */
export class FreshSamplingBreaker implements IBreaker {
  readonly #buckets: Bucket[];
  readonly #bucketMs: number;
  readonly #duration: number;
  readonly #threshold: number;
  readonly #minimumRpms: number;
  readonly #clock: Clock;
  #current = 0;
  #failures = 0;
  #successes = 0;

  constructor(options: SamplingBreakerOptions) {
    this.#threshold = requireNumber("failureRatio", options.failureRatio, 0.001, 0.999);
    const durationMs = requireNumber("durationMs", options.durationMs, 1);
    const minimumRps =
      options.minimumRps === undefined ? undefined : requireNumber("minimumRps", options.minimumRps, 0);
    this.#clock = options.clock ?? monotonicClock;
    // Cockatiel's bucket layout: at least 5 buckets, at most 1 s each.
    const count = Math.max(5, Math.ceil(durationMs / 1000));
    this.#bucketMs = Math.round(durationMs / count);
    this.#duration = this.#bucketMs * count;
    this.#buckets = Array.from({ length: count }, () => ({
      startedAt: Number.NEGATIVE_INFINITY,
      failures: 0,
      successes: 0,
    }));
    // Cockatiel's default: enough calls that 5 failures a second are needed to open at the threshold.
    this.#minimumRpms = minimumRps ? minimumRps / 1000 : 5 / (this.#threshold * 1000);
  }

  get state(): unknown {
    return {
      buckets: this.#buckets.map((b) => ({ ...b })),
      current: this.#current,
      failures: this.#failures,
      successes: this.#successes,
    };
  }

  set state(value: unknown) {
    const s = value as { buckets: Bucket[]; current: number; failures: number; successes: number };
    s.buckets.forEach((b, i) => {
      if (this.#buckets[i]) this.#buckets[i] = { ...b };
    });
    this.#current = s.current;
    this.#failures = s.failures;
    this.#successes = s.successes;
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) this.#reset();
    this.#push(true);
  }

  failure(state: CircuitState): boolean {
    this.#push(false);
    if (state !== CircuitState.Closed) return true;
    const total = this.#successes + this.#failures;
    if (total < this.#duration * this.#minimumRpms) return false;
    return this.#failures > this.#threshold * total;
  }

  #reset(): void {
    this.#failures = 0;
    this.#successes = 0;
    for (const bucket of this.#buckets)
      Object.assign(bucket, { startedAt: Number.NEGATIVE_INFINITY, failures: 0, successes: 0 });
  }

  #push(ok: boolean): void {
    const now = this.#clock.now();
    let bucket = this.#buckets[this.#current] as Bucket;
    const elapsed = now - bucket.startedAt;
    if (elapsed >= this.#bucketMs) {
      // Empty every bucket skipped since the last call (all of them after an idle window), then start a new one.
      const steps = Number.isFinite(elapsed) ? Math.min(Math.floor(elapsed / this.#bucketMs), this.#buckets.length) : 1;
      for (let i = 0; i < steps; i++) {
        this.#current = (this.#current + 1) % this.#buckets.length;
        bucket = this.#buckets[this.#current] as Bucket;
        this.#failures -= bucket.failures;
        this.#successes -= bucket.successes;
        Object.assign(bucket, { startedAt: Number.NEGATIVE_INFINITY, failures: 0, successes: 0 });
      }
      bucket.startedAt = now;
    }
    if (ok) {
      bucket.successes++;
      this.#successes++;
    } else {
      bucket.failures++;
      this.#failures++;
    }
  }
}
