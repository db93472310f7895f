import { checkOption, LbError } from "./errors.js";
import type { Outcome } from "./outcome.js";

/**
 * Settings of outlier detection. Names and defaults are Envoy's (`envoy.config.cluster.v3.OutlierDetection`, read
 * from `api/envoy/config/cluster/v3/outlier_detection.proto` and `source/common/upstream/outlier_detection_impl.cc`).
 */
export interface OutlierOptions {
  /** Failures in a row (5xx, timeouts, connection errors, resets) that eject (Envoy `consecutive_5xx`: 5). */
  readonly consecutive5xx?: number;
  /** Length of a success-rate interval, in ms (Envoy `interval`: 10 s). */
  readonly intervalMs?: number;
  /** First ejection's length in ms; the n-th lasts n times it (Envoy `base_ejection_time`: 30 s). */
  readonly baseEjectionTimeMs?: number;
  /** Cap on one ejection's length in ms (Envoy `max_ejection_time`: 300 s, or the base time if longer). */
  readonly maxEjectionTimeMs?: number;
  /**
   * Most instances ejected at once, in percent of the set, counting the one about to be ejected (Envoy
   * `max_ejection_percent`: 10). Envoy's rule since 1.27 (envoyproxy/envoy#26877, #27066: the share was checked
   * before the ejection, so 50% ejected 2 of 3 instances and 67% all 3).
   */
  readonly maxEjectionPercent?: number;
  /**
   * Whether the first ejection may exceed `maxEjectionPercent` (Envoy `always_eject_one_host`, envoyproxy/envoy#34796).
   * Default `true`, unlike Envoy's `false`: with the default 10% a set of fewer than 10 instances would otherwise
   * never eject, and a dead instance would stay in rotation. `false` is Envoy's strict cap.
   */
  readonly alwaysEjectOneHost?: boolean;
  /** Instances with enough requests an interval needs before success rates are compared (Envoy: 5). */
  readonly successRateMinimumHosts?: number;
  /** Requests an instance needs in an interval to be judged on success rate (Envoy: 100). */
  readonly successRateRequestVolume?: number;
  /** Ejected below mean − factor/1000 × stdev of the success rates (Envoy `success_rate_stdev_factor`: 1900). */
  readonly successRateStdevFactor?: number;
  /**
   * Whether a 5xx or per-try timeout that the client retries on an instance it has not tried counts (default
   * true). `true` is Envoy's rule: every attempt is judged (`source/common/router/router.cc`, `onUpstreamHeaders`
   * calls `putHttpResponseCode` before `shouldRetryHeaders`). `false` is HAProxy's `observe layer7`: only the
   * response the call keeps counts (`src/http_ana.c`, `http_wait_for_response`: an L7 retry, `retry-on` a status
   * or `response-timeout`, returns before `health_adjust()`), so under overload with retries one request counts
   * once, not once per attempt. A retried failure then counts neither as a failure nor as a success. Connection
   * failures, resets and other errors count on every attempt either way, as in HAProxy (`src/backend.c`,
   * `back_handle_st_cer`: `health_adjust(…, HANA_STATUS_L4_ERR)` before the retry; a read error is judged
   * `HANA_STATUS_HTTP_READ_ERROR` in `http_wait_for_response`). "Retried" means on an instance not tried yet: a
   * failure after which no untried instance is left is the answer, and counts. Retries of a policy around the
   * client (`createRetryPolicy`) count as retries too (the attempt context asks its engine, `willRetry`).
   */
  readonly countRetriedAttempts?: boolean;
}

/** Why an instance was ejected. */
export type EjectionReason = "consecutive-5xx" | "success-rate";

/** An ejection the detector decided: which instance, why, for how long (ms). */
export interface DetectedEjection {
  readonly id: string;
  readonly reason: EjectionReason;
  readonly durationMs: number;
}

/** What the detector keeps per instance (Envoy's host monitor). */
interface Monitor {
  consecutive: number;
  requests: number;
  successes: number;
  ejectedUntil: number;
  ejections: number;
}

/** The answer of nearly every `record`: no ejection. Shared, so judging an outcome allocates nothing. */
const NONE: readonly DetectedEjection[] = Object.freeze([]);

const fresh = (): Monitor => ({ consecutive: 0, requests: 0, successes: 0, ejectedUntil: 0, ejections: 0 });

/** Envoy's outlier settings with defaults filled in; LB_INVALID_OPTION names the option at fault. */
function settingsOf(options: OutlierOptions): Readonly<Required<OutlierOptions>> {
  const base = checkOption("outlierDetection.baseEjectionTimeMs", options.baseEjectionTimeMs ?? 30_000, { min: 1 });
  return {
    consecutive5xx: checkOption("outlierDetection.consecutive5xx", options.consecutive5xx ?? 5, {
      min: 1,
      integer: true,
    }),
    intervalMs: checkOption("outlierDetection.intervalMs", options.intervalMs ?? 10_000, { min: 1 }),
    baseEjectionTimeMs: base,
    // Envoy: "300 s or base_ejection_time, whichever is larger".
    maxEjectionTimeMs: checkOption("outlierDetection.maxEjectionTimeMs", options.maxEjectionTimeMs ?? 300_000, {
      min: 1,
    }),
    maxEjectionPercent: checkOption("outlierDetection.maxEjectionPercent", options.maxEjectionPercent ?? 10, {
      max: 100,
    }),
    successRateMinimumHosts: checkOption(
      "outlierDetection.successRateMinimumHosts",
      options.successRateMinimumHosts ?? 5,
      { integer: true },
    ),
    successRateRequestVolume: checkOption(
      "outlierDetection.successRateRequestVolume",
      options.successRateRequestVolume ?? 100,
      { min: 1, integer: true },
    ),
    successRateStdevFactor: checkOption(
      "outlierDetection.successRateStdevFactor",
      options.successRateStdevFactor ?? 1900,
      {},
    ),
    alwaysEjectOneHost: checkFlag("outlierDetection.alwaysEjectOneHost", options.alwaysEjectOneHost ?? true),
    countRetriedAttempts: checkFlag("outlierDetection.countRetriedAttempts", options.countRetriedAttempts ?? true),
  };
}

/** A boolean option, or LB_INVALID_OPTION naming it (a config file may hold "false" as a string). */
function checkFlag(name: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw new LbError("LB_INVALID_OPTION", `${name} must be true or false, got ${typeof value}: pass a boolean`);
}

/**
 * Passive health checking (Envoy's outlier detection), and the owner of ejection state: consecutive failures eject
 * inline; success rates are compared across instances at the end of each interval (mean − 1.9 σ); an ejection lasts
 * base time × ejection count (capped); no ejection takes the share out past `max_ejection_percent` (but the first,
 * with `alwaysEjectOneHost`).
 */
export class OutlierDetector {
  #settings: Readonly<Required<OutlierOptions>>;
  readonly #monitors = new Map<string, Monitor>();
  #intervalStart: number | undefined;

  constructor(options: OutlierOptions = {}) {
    this.#settings = settingsOf(options);
  }

  /** The settings in force, defaults filled in. */
  get settings(): Readonly<Required<OutlierOptions>> {
    return this.#settings;
  }

  /**
   * Applies new settings (a live config change); what it knows of each instance — failures in a row, ejections
   * and their end — stays. Checked first: a bad option throws LB_INVALID_OPTION and changes nothing.
   */
  configure(options: OutlierOptions): void {
    this.#settings = settingsOf(options);
  }

  /** True while `id` is ejected. */
  isEjected(id: string, now: number): boolean {
    const m = this.#monitors.get(id);
    return m !== undefined && m.ejectedUntil > now;
  }

  /** When `id`'s ejection ends (0 when it was never ejected); lets the balancer cache its in-service set. */
  ejectedUntil(id: string): number {
    return this.#monitors.get(id)?.ejectedUntil ?? 0;
  }

  /** Failures in a row and ejection count of `id`, for `balancer.stats()`. */
  state(id: string, now: number): { consecutiveFailures: number; ejections: number; ejected: boolean } {
    const m = this.#monitors.get(id) ?? fresh();
    return { consecutiveFailures: m.consecutive, ejections: m.ejections, ejected: m.ejectedUntil > now };
  }

  /**
   * Records how an attempt to `id` went and returns the ejections it caused (the end of an interval may eject
   * others on success rate); `ids` is every instance in the set (for the ejected share and the rates).
   */
  record(id: string, outcome: Outcome, ids: readonly string[], now: number): readonly DetectedEjection[] {
    if (outcome.kind === "cancelled") return NONE;
    // HAProxy's rule (countRetriedAttempts false): a retried status or timeout is not the answer the call keeps.
    if (outcome.kind === "failure" && outcome.retried === true && !this.#settings.countRetriedAttempts) {
      if (outcome.reason === "status" || outcome.reason === "timeout") return NONE;
    }
    const ejections = this.#rollInterval(ids, now);
    const m = this.#monitor(id);
    m.requests++;
    if (outcome.kind === "success") {
      m.successes++;
      m.consecutive = 0;
      return ejections;
    }
    m.consecutive++;
    if (m.consecutive >= this.settings.consecutive5xx && m.ejectedUntil <= now) {
      const ejection = this.#eject(id, m, "consecutive-5xx", ids, now);
      if (ejection) return [...ejections, ejection];
    }
    return ejections;
  }

  /** Ends `id`'s ejection now (active checks passed: Envoy's `successful_active_health_check_uneject_host`). */
  uneject(id: string): void {
    const m = this.#monitors.get(id);
    if (!m) return;
    m.ejectedUntil = 0;
    m.consecutive = 0;
  }

  /** Forgets instances discovery dropped. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#monitors.keys()) if (!ids.has(id)) this.#monitors.delete(id);
  }

  #monitor(id: string): Monitor {
    let m = this.#monitors.get(id);
    if (!m) {
      m = fresh();
      this.#monitors.set(id, m);
    }
    return m;
  }

  #eject(id: string, m: Monitor, reason: EjectionReason, ids: readonly string[], now: number) {
    // Envoy's DetectorImpl::ejectHost: the share out after this ejection must stay within the cap; with
    // always_eject_one_host the first ejection may exceed it.
    let out = 0;
    for (const other of ids) if (this.isEjected(other, now)) out++;
    const within = (100 * (out + 1)) / Math.max(ids.length, 1) <= this.settings.maxEjectionPercent;
    if (!within && !(out === 0 && this.settings.alwaysEjectOneHost)) return undefined;
    m.ejections++;
    const cap = Math.max(this.settings.maxEjectionTimeMs, this.settings.baseEjectionTimeMs);
    const durationMs = Math.min(this.settings.baseEjectionTimeMs * m.ejections, cap);
    m.ejectedUntil = now + durationMs;
    m.consecutive = 0;
    m.requests = 0;
    m.successes = 0;
    return { id, reason, durationMs };
  }

  /**
   * At an interval's end: success-rate ejection across instances with enough volume, then a clean interval lowers
   * an instance's ejection count, so an old fault stops lengthening new ejections; counters start again.
   */
  #rollInterval(ids: readonly string[], now: number): readonly DetectedEjection[] {
    if (this.#intervalStart === undefined) this.#intervalStart = now;
    if (now - this.#intervalStart < this.settings.intervalMs) return NONE;
    this.#intervalStart = now;
    const ejections = this.#successRateEjections(ids, now);
    for (const id of ids) {
      const m = this.#monitors.get(id);
      if (!m) continue;
      if (m.ejectedUntil <= now && m.ejections > 0 && m.consecutive === 0) m.ejections--;
      m.requests = 0;
      m.successes = 0;
    }
    return ejections;
  }

  #successRateEjections(ids: readonly string[], now: number): readonly DetectedEjection[] {
    const judged: Array<[string, Monitor, number]> = [];
    for (const id of ids) {
      const m = this.#monitors.get(id);
      if (m && m.ejectedUntil <= now && m.requests >= this.settings.successRateRequestVolume) {
        judged.push([id, m, m.successes / m.requests]);
      }
    }
    if (judged.length === 0 || judged.length < this.settings.successRateMinimumHosts) return NONE;
    const mean = judged.reduce((s, [, , r]) => s + r, 0) / judged.length;
    const variance = judged.reduce((s, [, , r]) => s + (r - mean) ** 2, 0) / judged.length;
    const threshold = mean - (this.settings.successRateStdevFactor / 1000) * Math.sqrt(variance);
    const ejections: DetectedEjection[] = [];
    for (const [id, m, rate] of judged) {
      if (rate >= threshold) continue;
      const ejection = this.#eject(id, m, "success-rate", ids, now);
      if (ejection) ejections.push(ejection);
    }
    return ejections;
  }
}
