import type { InstanceStats } from "./instance-stats.js";

/** Settings of outlier detection; defaults follow Envoy's where they make sense for a client. */
export interface OutlierOptions {
  /** Failures in a row (connection errors, timeouts, 5xx) that eject an instance (Envoy: 5). */
  readonly consecutiveFailures?: number;
  /** An instance whose success rate in an interval falls below this is ejected (default 0.5). */
  readonly minSuccessRate?: number;
  /** Requests an interval needs before its success rate is judged (Envoy: 100; default 20 for a client). */
  readonly successRateMinRequests?: number;
  /** Length of the success-rate interval (Envoy: 10 s). */
  readonly intervalMs?: number;
  /** First ejection's length; the n-th lasts n times it (Envoy: 30 s). */
  readonly baseEjectionMs?: number;
  /** Cap on one ejection's length (Envoy: 300 s). */
  readonly maxEjectionMs?: number;
  /** Most instances ejected at once, in percent; one may always be ejected (default 50). */
  readonly maxEjectedPercent?: number;
  /** Below this percent of instances in service, panic: use all of them, ejected or not (Envoy: 50). */
  readonly panicThresholdPercent?: number;
}

/** What the detector decided after an outcome. */
export type OutlierVerdict = "ejected" | "kept";

/** Why an instance was ejected. */
export type EjectionReason = "consecutive-failures" | "success-rate";

/**
 * Passive health checking (Envoy's outlier detection): ejects instances that fail in a row or whose success rate
 * drops, for base time × ejection count (capped), never more than the allowed share at once.
 */
export class OutlierDetector {
  readonly #consecutive: number;
  readonly #minRate: number;
  readonly #minRequests: number;
  readonly #interval: number;
  readonly #base: number;
  readonly #max: number;
  readonly #maxPercent: number;
  readonly panicThresholdPercent: number;
  #intervalStart: number | undefined;

  constructor(options: OutlierOptions = {}) {
    this.#consecutive = options.consecutiveFailures ?? 5;
    this.#minRate = options.minSuccessRate ?? 0.5;
    this.#minRequests = options.successRateMinRequests ?? 20;
    this.#interval = options.intervalMs ?? 10_000;
    this.#base = options.baseEjectionMs ?? 30_000;
    this.#max = options.maxEjectionMs ?? 300_000;
    this.#maxPercent = options.maxEjectedPercent ?? 50;
    this.panicThresholdPercent = options.panicThresholdPercent ?? 50;
  }

  /**
   * Judges `stats` after an outcome; `all` is every instance's stats (for the ejected share). Returns the reason
   * when it ejects, else undefined.
   */
  judge(stats: InstanceStats, all: readonly InstanceStats[], now: number): EjectionReason | undefined {
    this.#rollInterval(all, now);
    if (stats.isEjected(now)) return undefined;
    let reason: EjectionReason | undefined;
    if (stats.consecutiveFailures >= this.#consecutive) reason = "consecutive-failures";
    else if (stats.windowRequests >= this.#minRequests && (stats.successRate() ?? 1) < this.#minRate) {
      reason = "success-rate";
    }
    if (!reason || !this.#mayEject(all, now)) return undefined;
    stats.ejections++;
    stats.ejectedUntil = now + Math.min(this.#base * stats.ejections, this.#max);
    stats.consecutiveFailures = 0;
    stats.windowRequests = 0;
    stats.windowSuccesses = 0;
    return reason;
  }

  /** True when so few instances are in service that all should be used (panic mode). */
  isPanic(all: readonly InstanceStats[], now: number): boolean {
    if (all.length === 0) return false;
    const inService = all.filter((s) => !s.isEjected(now)).length;
    return (inService / all.length) * 100 < this.panicThresholdPercent;
  }

  #mayEject(all: readonly InstanceStats[], now: number): boolean {
    const ejected = all.filter((s) => s.isEjected(now)).length;
    return ejected === 0 || ((ejected + 1) / all.length) * 100 <= this.#maxPercent;
  }

  /**
   * Starts a new success-rate interval when the last one is over; an instance that came back and stayed clean
   * for a whole interval has its ejection count lowered, so an old fault stops lengthening new ejections.
   */
  #rollInterval(all: readonly InstanceStats[], now: number): void {
    if (this.#intervalStart === undefined) this.#intervalStart = now;
    if (now - this.#intervalStart < this.#interval) return;
    this.#intervalStart = now;
    for (const s of all) {
      if (!s.isEjected(now) && s.ejections > 0 && s.consecutiveFailures === 0) s.ejections--;
      s.windowRequests = 0;
      s.windowSuccesses = 0;
    }
  }
}
