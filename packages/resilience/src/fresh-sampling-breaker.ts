import { type CircuitState, type IBreaker, SamplingBreaker } from "cockatiel";
import { type Clock, systemClock } from "./clock.js";

/** Settings of a time-window breaker, as cockatiel's SamplingBreaker. */
export interface SamplingBreakerOptions {
  /** Open when failures / calls exceeds this, strictly between 0 and 1. */
  readonly failureRatio: number;
  /** The window judged, in ms. */
  readonly durationMs: number;
  /** Calls per second needed before any verdict (cockatiel's default: 5 failures/s at the threshold). */
  readonly minimumRps?: number;
  readonly clock?: Clock;
}

interface SamplingState {
  windows: { startedAt: number; failures: number; successes: number }[];
  currentWindow: number;
  currentFailures: number;
  currentSuccesses: number;
}

/**
 * Cockatiel 3's SamplingBreaker with its stale counts fixed. Cockatiel rotates at most one bucket per call, so
 * after an idle period longer than the window every other bucket's old counts still add up: one failure after a
 * quiet hour can open the circuit on last hour's failures. Before each call this wrapper empties, through the
 * breaker's public `state`, every bucket that started more than one window ago.
 */
export class FreshSamplingBreaker implements IBreaker {
  readonly #inner: SamplingBreaker;
  readonly #clock: Clock;
  readonly #durationMs: number;
  readonly #bucketMs: number;
  #lastCall = Number.NEGATIVE_INFINITY;

  constructor(options: SamplingBreakerOptions) {
    this.#inner = new SamplingBreaker({
      threshold: options.failureRatio,
      duration: options.durationMs,
      ...(options.minimumRps === undefined ? {} : { minimumRps: options.minimumRps }),
    });
    this.#clock = options.clock ?? systemClock;
    // Cockatiel's bucket layout: at least 5 buckets, at most 1 s each.
    const buckets = Math.max(5, Math.ceil(options.durationMs / 1000));
    this.#bucketMs = Math.round(options.durationMs / buckets);
    this.#durationMs = this.#bucketMs * buckets;
  }

  get state(): unknown {
    return this.#inner.state;
  }

  set state(value: unknown) {
    this.#inner.state = value;
  }

  success(state: CircuitState): void {
    this.#expire();
    this.#inner.success(state);
  }

  failure(state: CircuitState): boolean {
    this.#expire();
    return this.#inner.failure(state);
  }

  #expire(): void {
    const now = this.#clock.now();
    const idle = now - this.#lastCall;
    this.#lastCall = now;
    // Within one bucket of the last call cockatiel's own rotation is right; only longer gaps leave stale buckets.
    if (idle < this.#bucketMs) return;
    const state = this.#inner.state as SamplingState;
    let failures = 0;
    let successes = 0;
    const windows = state.windows.map((w) => {
      if (now - w.startedAt >= this.#durationMs) return { startedAt: 0, failures: 0, successes: 0 };
      failures += w.failures;
      successes += w.successes;
      return { ...w };
    });
    this.#inner.state = { ...state, windows, currentFailures: failures, currentSuccesses: successes };
  }
}
