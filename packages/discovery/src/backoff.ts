import { clampTimerDelay, MAX_TIMER_DELAY_MS } from "@outrigger/core";
import { checkOption } from "./errors.js";

/** Settings of an exponential backoff. */
export interface BackoffOptions {
  /** First delay after a failure (default 250 ms: a restarting registry is usually back within a second). */
  readonly initialMs?: number;
  /** Largest delay (default 30 s, Eureka's heartbeat: never wait longer than one heartbeat). */
  readonly maxMs?: number;
  /** Source of randomness, injectable for tests. */
  readonly random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": each delay is half fixed, half random, so a fleet that lost the registry
 * at the same moment does not come back in lockstep, yet no delay collapses to zero.
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    // A delay past setTimeout's 2^31−1 ms would fire at once (Node clamps it to 1 ms): refuse it.
    const rule = { min: 1, max: MAX_TIMER_DELAY_MS };
    this.#initialMs = checkOption("backoff.initialMs", options.initialMs ?? 250, rule);
    this.#maxMs = Math.max(this.#initialMs, checkOption("backoff.maxMs", options.maxMs ?? 30_000, rule));
    this.#random = options.random ?? Math.random;
  }

  /** The delay before the next attempt; each call doubles the ceiling up to `maxMs`. */
  next(): number {
    const ceiling = Math.min(this.#maxMs, this.#initialMs * 2 ** this.#attempt);
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return ceiling / 2 + (ceiling / 2) * this.#random();
  }

  /** Starts over after a success. */
  reset(): void {
    this.#attempt = 0;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts; the timer never holds the process open. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, clampTimerDelay(ms));
    timer.unref();
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** `ms` spread by ±`fraction` (0.1 → 90%–110%), so timers started together drift apart. */
export function jittered(ms: number, fraction: number, random: () => number = Math.random): number {
  return ms * (1 + (random() * 2 - 1) * fraction);
}
