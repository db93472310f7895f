import type { Outcome } from "./balancer.js";
import { PeakEwma } from "./peak-ewma.js";

/** Settings shared by every instance's stats. */
export interface StatsOptions {
  /** Decay time constant of the latency averages (Finagle/Linkerd: 10 s). */
  readonly decayMs?: number;
  /** RTT a new instance is assumed to have until measured (Linkerd: 30 ms, so it does not look free). */
  readonly defaultRttMs?: number;
}

/** Linkerd2-proxy's EWMA decay: long enough to smooth noise, short enough to notice a sick instance in seconds. */
export const DEFAULT_DECAY_MS = 10_000;
/** Linkerd2-proxy's default RTT: a fresh instance must not look free, or every caller stampedes onto it. */
export const DEFAULT_RTT_MS = 30;

/** What the balancer has seen of one instance: load, latency and failures. Rules and the detector read it. */
export class InstanceStats {
  /** Requests sent and not yet finished. */
  active = 0;
  /** Failures in a row (connection errors, timeouts and 5xx — Ribbon ignored 5xx); reset by a success. */
  consecutiveFailures = 0;
  /** Requests and successes in the detector's current interval. */
  windowRequests = 0;
  windowSuccesses = 0;
  /** Until when the outlier detector keeps this instance out; 0 when it is in. */
  ejectedUntil = 0;
  /** How many times it was ejected; the next ejection lasts base time × this, capped. */
  ejections = 0;
  /** Peak-sensitive RTT estimate (P2C peak-EWMA). */
  readonly peak: PeakEwma;
  #average: number | undefined;
  #averageStamp: number;
  readonly #decayMs: number;

  constructor(
    /** When the instance joined; -Infinity for instances present when the balancer started (no slow start). */
    readonly addedAt: number,
    now: number,
    options: StatsOptions = {},
  ) {
    this.#decayMs = options.decayMs ?? DEFAULT_DECAY_MS;
    this.peak = new PeakEwma(options.defaultRttMs ?? DEFAULT_RTT_MS, this.#decayMs, now);
    this.#averageStamp = now;
  }

  /** A request to this instance starts. */
  start(): void {
    this.active++;
  }

  /** A request to this instance ended with `outcome`. */
  end(outcome: Outcome, now: number): void {
    this.active = Math.max(0, this.active - 1);
    if (outcome.cancelled) return;
    if (outcome.rttMs !== undefined) this.#observe(outcome.rttMs, now);
    this.windowRequests++;
    if (outcome.ok) {
      this.windowSuccesses++;
      this.consecutiveFailures = 0;
    } else {
      this.consecutiveFailures++;
    }
  }

  /**
   * Decaying (not cumulative) average response time, or undefined before the first sample. Ribbon's cumulative
   * average let an instance's ancient history outweigh the last minute; this one forgets over `decayMs`.
   */
  averageRttMs(): number | undefined {
    return this.#average;
  }

  /** Success rate in the current interval, or undefined with no requests. */
  successRate(): number | undefined {
    return this.windowRequests === 0 ? undefined : this.windowSuccesses / this.windowRequests;
  }

  /** True while the outlier detector keeps the instance out. */
  isEjected(now: number): boolean {
    return this.ejectedUntil > now;
  }

  #observe(rttMs: number, now: number): void {
    this.peak.observe(rttMs, now);
    if (this.#average === undefined) this.#average = rttMs;
    else {
      const alpha = 1 - Math.exp(-Math.max(now - this.#averageStamp, 1) / this.#decayMs);
      this.#average += (rttMs - this.#average) * alpha;
    }
    this.#averageStamp = now;
  }
}
