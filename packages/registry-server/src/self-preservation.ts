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
 */
export class SelfPreservation {
  readonly #registry: Registry;
  readonly #rate: RenewRate;
  readonly #enabled: boolean;
  readonly #percent: number;
  readonly #intervalSecs: number;
  readonly #stop: () => void;

  constructor(registry: Registry, options: SelfPreservationOptions = {}) {
    this.#registry = registry;
    this.#rate = new RenewRate(registry.clock);
    this.#enabled = options.enabled ?? true;
    this.#percent = options.renewalPercentThreshold ?? DEFAULT_RENEWAL_PERCENT_THRESHOLD;
    const interval = options.expectedClientRenewalIntervalSecs ?? DEFAULT_EXPECTED_RENEWAL_INTERVAL_SECS;
    this.#intervalSecs = interval > 0 ? interval : DEFAULT_EXPECTED_RENEWAL_INTERVAL_SECS;
    this.#stop = registry.onRenew(() => this.#rate.increment());
  }

  /**
   * Renews expected per minute, as Eureka's `updateRenewsPerMinThreshold`: registered instances × 60 / the server's
   * expected renewal interval.
   */
  expectedRenewsPerMinute(): number {
    return Math.round(this.#registry.size * (60 / this.#intervalSecs));
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

  /** Stops counting renews. */
  close(): void {
    this.#stop();
  }
}
