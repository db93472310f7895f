import type { Registry } from "./registry.js";
import type { Lease } from "./registry-types.js";
import { DEFAULT_RENEWAL_PERCENT_THRESHOLD, type SelfPreservation } from "./self-preservation.js";

/** Settings of eviction. */
export interface EvictorOptions {
  /** Self-preservation to consult; when it is active nothing is evicted. */
  readonly selfPreservation?: SelfPreservation;
  /** Eureka caps one run at `size - floor(size × renewalPercentThreshold)` evictions (15% of the registry). */
  readonly renewalPercentThreshold?: number;
  /**
   * Per-service protection: an application whose share of live (unexpired) instances is below this fraction keeps
   * all its instances (0 turns it off, the default). A service that lost most of its instances at once more likely
   * lost its network than its processes, and an empty service is worse than a stale one.
   */
  readonly protectionThreshold?: number;
  /** Randomness for the eviction order; injectable so tests are exact. */
  readonly random?: () => number;
  /**
   * The interval the runs are scheduled at (ms). A run later than that by Δ — the process stalled (a long GC, a
   * suspended VM) or the clock stepped — counts every lease Δ longer, so the clients are not charged for the
   * server's own stall (Eureka's `EvictionTask.getCompensationTimeMs`, Netflix/eureka#661). Omitted: none.
   */
  readonly evictionIntervalMs?: number;
}

/** What one eviction run did. */
export interface EvictionReport {
  readonly evicted: readonly Lease[];
  /** Expired leases left for a later run by the cap. */
  readonly deferred: number;
  /** Applications kept whole by the protection threshold. */
  readonly protectedApps: readonly string[];
  /** Why nothing was evicted, when self-preservation stopped the run. */
  readonly skipped?: string;
  /** How much later than scheduled this run came (ms), added to every lease (`evictionIntervalMs`). */
  readonly compensationMs?: number;
}

/**
 * Expires leases as Eureka does, minus its faults: in random order (so one application is not emptied first),
 * capped per run, suspended by self-preservation, and never below a service's protection threshold.
 */
export class Evictor {
  readonly #registry: Registry;
  readonly #options: EvictorOptions;
  #total = 0;
  #runs = 0;
  #last: EvictionReport | undefined;
  #lastRunAt: number | undefined;

  constructor(registry: Registry, options: EvictorOptions = {}) {
    this.#registry = registry;
    this.#options = options;
  }

  /** Evictions since start. */
  get total(): number {
    return this.#total;
  }

  /** Eviction runs since start, suspended ones included (so a reader can tell one run from the next). */
  get runs(): number {
    return this.#runs;
  }

  /** The last run's report, for `/status` and the dashboard (undefined before the first run). */
  get lastRun(): EvictionReport | undefined {
    return this.#last;
  }

  /** The per-service protection threshold in force (0: off). */
  get protectionThreshold(): number {
    return this.#options.protectionThreshold ?? 0;
  }

  /** One eviction run. */
  run(): EvictionReport {
    this.#last = this.#run();
    this.#runs += 1;
    return this.#last;
  }

  #run(): EvictionReport {
    const registry = this.#registry;
    const now = registry.clock.now();
    const interval = this.#options.evictionIntervalMs;
    const compensationMs =
      interval === undefined || this.#lastRunAt === undefined ? 0 : Math.max(0, now - this.#lastRunAt - interval);
    this.#lastRunAt = now;
    const state = this.#options.selfPreservation?.state();
    if (state?.active) return { evicted: [], deferred: 0, protectedApps: [], skipped: state.reason, compensationMs };
    const protectedApps: string[] = [];
    const expired: Lease[] = [];
    const threshold = this.#options.protectionThreshold ?? 0;
    for (const [name, leases] of registry.applications()) {
      const dead = leases.filter((lease) => registry.isExpired(lease, now - compensationMs));
      if (dead.length === 0) continue;
      if (threshold > 0 && (leases.length - dead.length) / leases.length < threshold) protectedApps.push(name);
      else expired.push(...dead);
    }
    const size = registry.size;
    const percent = this.#options.renewalPercentThreshold ?? DEFAULT_RENEWAL_PERCENT_THRESHOLD;
    const limit = size - Math.floor(size * percent);
    shuffle(expired, this.#options.random ?? Math.random);
    const evicted = expired.slice(0, limit);
    for (const lease of evicted) registry.cancel(lease.info.app, lease.info.instanceId, "eviction");
    this.#total += evicted.length;
    return { evicted, deferred: expired.length - evicted.length, protectedApps, compensationMs };
  }
}

/** Fisher–Yates, in place. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
