import { CONSUL_METADATA } from "./consul/mapping.js";
import type { InstanceInfo } from "./instance-info.js";
import type { Registry } from "./registry.js";
import { RenewRate } from "./renew-rate.js";

/** Eureka's `renewalPercentThreshold`: self-preservation starts when renews fall below 85% of those expected. */
export const DEFAULT_RENEWAL_PERCENT_THRESHOLD = 0.85;
/**
 * Eureka's `expectedClientRenewalIntervalSeconds`: the server's own idea of how often clients renew. Expected renews
 * come from it and the registered count, never from an interval a client claims (one client saying "every second"
 * must not raise the bar for everyone).
 */
export const DEFAULT_EXPECTED_RENEWAL_INTERVAL_SECS = 30;
/** Eureka's `renewalThresholdUpdateIntervalMs` (15 min): how often the expected count follows the registry. */
export const RENEWAL_THRESHOLD_UPDATE_INTERVAL_MS = 15 * 60_000;

/**
 * Whether an instance renews on Eureka's schedule. A Consul agent's service (stamped with its registry node) does
 * not: it has a 10-year lease and its owner renews it every few seconds, so counted it skewed both sides of the
 * threshold, and a partition of the Eureka clients went unnoticed (spring-cloud/spring-cloud-netflix#373 and
 * Netflix/eureka#1093: self-preservation holds only while every counted instance renews at the expected rate).
 */
const renewsOnSchedule = (info: InstanceInfo): boolean => info.metadata[CONSUL_METADATA.node] === undefined;

/** Settings of self-preservation. */
export interface SelfPreservationOptions {
  /** Off means leases always expire, whatever the renew rate (default on, as in Eureka). */
  readonly enabled?: boolean;
  /** Fraction of expected renews below which eviction stops (default 0.85). */
  readonly renewalPercentThreshold?: number;
  /** How often the server expects each client to renew, in seconds (default 30, as Eureka). */
  readonly expectedClientRenewalIntervalSecs?: number;
}

/** Self-preservation's state, with the numbers behind it and why it is on, for `/status`, metrics and the dashboard. */
export interface SelfPreservationState {
  readonly enabled: boolean;
  /** True while eviction is suspended. */
  readonly active: boolean;
  readonly expectedRenewsPerMinute: number;
  /** Renews per minute below which self-preservation is on: expected × renewalPercentThreshold, rounded down. */
  readonly threshold: number;
  readonly renewsLastMinute: number;
  readonly renewalPercentThreshold: number;
  /** Plain words: why eviction runs or why it is suspended. */
  readonly reason: string;
}

/**
 * Eureka's self-preservation: when the registry receives fewer renews than `threshold` per minute, the likely cause
 * is a network partition between the clients and this server, not mass death, so leases are not expired.
 *
 * The expected count is Eureka's `expectedNumberOfClientsSendingRenews`: +1 for each new registration, −1 for each
 * cancel a client (or a peer) sends, unchanged by evictions — so a partition spreading one client at a time is not
 * evicted piece by piece under a threshold that sinks with each eviction (Netflix/eureka#1071, #1073). Every
 * `RENEWAL_THRESHOLD_UPDATE_INTERVAL_MS` it follows the registry while the registry holds more than
 * `renewalPercentThreshold` of it (`updateRenewalThreshold`). Two differences from Eureka, so that dead leases of
 * clients restarted under new ids (kill -9, a deploy) are let go within 15 minutes instead of holding
 * self-preservation on for good (Netflix/eureka#1247, spring-cloud/spring-cloud-netflix#2407): the count it follows
 * is of live leases, not of every lease, and it follows it also when that count has not fallen since the previous
 * update — a restarted fleet is as large as before, a partitioned one is not. Only instances renewing on Eureka's
 * schedule count (`renewsOnSchedule`).
 */
export class SelfPreservation {
  readonly #registry: Registry;
  readonly #rate: RenewRate;
  readonly #enabled: boolean;
  readonly #percent: number;
  readonly #intervalSecs: number;
  readonly #stops: (() => void)[];
  #expected: number;
  #updatedAt: number;
  /** The live count at the previous update (+∞ before the first: a partition may already be under way then). */
  #liveBefore = Number.POSITIVE_INFINITY;

  constructor(registry: Registry, options: SelfPreservationOptions = {}) {
    this.#registry = registry;
    this.#rate = new RenewRate(registry.clock);
    this.#enabled = options.enabled ?? true;
    this.#percent = options.renewalPercentThreshold ?? DEFAULT_RENEWAL_PERCENT_THRESHOLD;
    const interval = options.expectedClientRenewalIntervalSecs ?? DEFAULT_EXPECTED_RENEWAL_INTERVAL_SECS;
    this.#intervalSecs = interval > 0 ? interval : DEFAULT_EXPECTED_RENEWAL_INTERVAL_SECS;
    this.#expected = this.#liveCount(Number.NEGATIVE_INFINITY);
    this.#updatedAt = registry.clock.now();
    this.#stops = [
      registry.onRenew(({ lease }) => {
        if (renewsOnSchedule(lease.info)) this.#rate.increment();
      }),
      registry.onChange(({ action, lease, origin }) => {
        if (!renewsOnSchedule(lease.info)) return;
        if (action === "ADDED") this.#expected += 1;
        else if (action === "DELETED" && origin !== "eviction") this.#expected = Math.max(0, this.#expected - 1);
      }),
    ];
  }

  /** Leases renewing on schedule, those expired before `now` left out (all of them with `now` = −∞). */
  #liveCount(now: number): number {
    let count = 0;
    for (const leases of this.#registry.applications().values()) {
      for (const lease of leases) {
        if (renewsOnSchedule(lease.info) && !this.#registry.isExpired(lease, now)) count += 1;
      }
    }
    return count;
  }

  /** Eureka's `updateRenewalThreshold`, on its 15-minute schedule, read from the clock when asked (no timer). */
  #follow(): void {
    const now = this.#registry.clock.now();
    if (now - this.#updatedAt < RENEWAL_THRESHOLD_UPDATE_INTERVAL_MS) return;
    this.#updatedAt = now;
    const live = this.#liveCount(now);
    // A partition shrinks the live count; clients restarted under new ids leave it as it was.
    if (live > this.#percent * this.#expected || live >= this.#liveBefore || !this.#enabled) this.#expected = live;
    this.#liveBefore = live;
  }

  /**
   * Renews expected per minute, as Eureka's `updateRenewsPerMinThreshold`: the expected count of clients × 60 / the
   * server's expected renewal interval.
   */
  expectedRenewsPerMinute(): number {
    this.#follow();
    return Math.round(this.#expected * (60 / this.#intervalSecs));
  }

  /** The current state and its reason. */
  state(): SelfPreservationState {
    const expected = this.expectedRenewsPerMinute();
    const threshold = Math.floor(expected * this.#percent);
    const renews = this.#rate.lastMinute();
    const base = {
      enabled: this.#enabled,
      expectedRenewsPerMinute: expected,
      threshold,
      renewsLastMinute: renews,
      renewalPercentThreshold: this.#percent,
    };
    const pct = Math.round(this.#percent * 100);
    if (!this.#enabled) return { ...base, active: false, reason: "disabled: expired leases are always evicted" };
    if (expected === 0) return { ...base, active: false, reason: "no instances registered: nothing to protect" };
    if (!this.#rate.measured()) {
      return { ...base, active: true, reason: "warming up: less than one minute of renews measured since start" };
    }
    // Eureka's isLeaseExpirationEnabled: leases expire only while renews are strictly above a positive threshold.
    if (threshold <= 0 || renews <= threshold) {
      return {
        ...base,
        active: true,
        reason: `renews in the last minute (${renews}) are not above the threshold (${threshold} = ${pct}% of ${expected} expected): likely a network partition, so leases are not expired`,
      };
    }
    return {
      ...base,
      active: false,
      reason: `renews in the last minute (${renews}) are above the threshold (${threshold} = ${pct}% of ${expected} expected)`,
    };
  }

  /** Stops counting renews and registrations. */
  close(): void {
    for (const stop of this.#stops) stop();
  }
}
