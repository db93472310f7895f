import type { InstanceView } from "./instance-view.js";
import type { Outcome } from "./outcome.js";
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
/**
 * A failed attempt counts as this many times the instance's current latency (or its own RTT, if longer). A 500
 * answered in 1 ms is not a fast answer: fed as a sample, it made the failing instance the fastest and drew
 * traffic to it. Doubling per failure makes a failing instance lose every P2C comparison after a few failures
 * (Envoy's client-side weighted round robin penalises errors the same way, `error_utilization_penalty`).
 */
const FAILURE_PENALTY = 2;
/** A failing instance never looks slower than this (ms): every healthy peer already wins, and decay brings it back. */
const MAX_PENALTY_MS = 60_000;
/**
 * How long a failure weighs as a request in flight (time constant of its decay, ms), and the most failures that
 * count: fasthttp's LBClient (lbclient.go `penaltyDuration` 3 s, `maxPenalty` 300), which adds a penalty to the
 * pending count because a server failing at once otherwise looks idle and its least-loaded pick sent it most of the
 * requests (valyala/fasthttp#865).
 */
const FAILURE_LOAD_DECAY_MS = 3_000;
const MAX_FAILURE_LOAD = 300;

/** What the balancer has seen of one instance's load and latency; rules read it through `InstanceView`. */
export class InstanceStats implements InstanceView {
  active = 0;
  readonly #peak: PeakEwma;
  #average: number | undefined;
  #averageStamp: number;
  readonly #decayMs: number;
  readonly #defaultRttMs: number;
  #failureLoad = 0;
  #failureStamp = 0;

  constructor(
    readonly addedAt: number,
    now: number,
    options: StatsOptions = {},
  ) {
    this.#decayMs = options.decayMs ?? DEFAULT_DECAY_MS;
    this.#defaultRttMs = options.defaultRttMs ?? DEFAULT_RTT_MS;
    this.#peak = new PeakEwma(this.#defaultRttMs, this.#decayMs, now);
    this.#averageStamp = now;
  }

  /** A request to this instance starts. */
  start(): void {
    this.active++;
  }

  /** A request to this instance ended with `outcome`. */
  end(outcome: Outcome, now: number): void {
    this.active = this.active > 0 ? this.active - 1 : 0;
    if (outcome.kind === "success") this.#observe(outcome.rttMs, now);
    else if (outcome.kind === "failure") {
      this.#penalise(outcome.rttMs ?? 0, now);
      this.#failureLoad = Math.min(this.#decayedFailures(now) + 1, MAX_FAILURE_LOAD);
      this.#failureStamp = now;
    }
  }

  /**
   * Recent failures counted as requests in flight: each adds one, decaying with a 3 s time constant, rounded to a
   * whole request so instances that have not failed lately still tie (and share the picks) at the same `active`.
   */
  failureLoad(now: number): number {
    return Math.round(this.#decayedFailures(now));
  }

  #decayedFailures(now: number): number {
    if (this.#failureLoad === 0) return 0;
    return this.#failureLoad * Math.exp(-Math.max(0, now - this.#failureStamp) / FAILURE_LOAD_DECAY_MS);
  }

  peakRttMs(now: number): number {
    return this.#peak.value(now);
  }

  /**
   * Decaying (not cumulative) average response time, or undefined before the first sample. Ribbon's cumulative
   * average let an instance's ancient history outweigh the last minute; this one forgets over `decayMs`.
   */
  averageRttMs(): number | undefined {
    return this.#average;
  }

  #observe(rttMs: number, now: number): void {
    this.#peak.observe(rttMs, now);
    if (this.#average === undefined) this.#average = rttMs;
    else {
      const alpha = 1 - Math.exp(-Math.max(now - this.#averageStamp, 1) / this.#decayMs);
      this.#average += (rttMs - this.#average) * alpha;
    }
    this.#averageStamp = now;
  }

  /** A failure raises both estimates at once (a peak), never lowers them. */
  #penalise(rttMs: number, now: number): void {
    const peak = Math.min(Math.max(this.#peak.value(now), rttMs) * FAILURE_PENALTY, MAX_PENALTY_MS);
    this.#peak.observe(peak, now);
    const average = Math.max(this.#average ?? this.#defaultRttMs, rttMs) * FAILURE_PENALTY;
    this.#average = Math.min(average, MAX_PENALTY_MS);
    this.#averageStamp = now;
  }
}
