import { type FleetEdge, foldEdges } from "./fleet-edges.js";
import { DEFAULT_SUBSCRIPTION_LIMITS, FleetSubscription, type SubscriptionLimits } from "./fleet-subscription.js";
import { fleetTargets } from "./fleet-targets.js";
import type { Registry } from "./registry.js";

/** Processes the registry subscribes to at once: a fleet page is for a fleet, not every pod of a large estate. */
export const DEFAULT_MAX_FLEET_PROCESSES = 64;
/** Destinations read from one process's update. */
const MAX_DESTINATIONS = 256;
/** How often the set of processes is compared with the registry's, in ms. */
const RECONCILE_MS = 1_000;
/** Subscriptions stop when nobody asked for the fleet for this long, in ms: nothing runs for a closed page. */
const IDLE_MS = 30_000;
/** An update older than this, in ms, no longer counts (its process went quiet). */
const STALE_MS = 5_000;

/** Options of the fleet hub. */
export interface FleetOptions {
  /** Sent as `Authorization: Bearer` to each process (the registry's token, which og's streams ask for). */
  readonly token?: string;
  readonly maxProcesses?: number;
  readonly limits?: Partial<SubscriptionLimits>;
}

/** One process as the fleet page lists it. */
export interface FleetProcess {
  readonly key: string;
  readonly caller: string;
  readonly live: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

/** What `GET /outrigger/fleet` answers. */
export interface FleetView {
  readonly at: number;
  readonly edges: readonly FleetEdge[];
  readonly processes: readonly FleetProcess[];
  /** Processes advertising a stream that were left out (past the cap, or an address that does not parse). */
  readonly skipped: number;
}

/**
 * The registry's side of the fleet view (Turbine's role): subscribes to every registered process that advertises a
 * fleet stream (at most `maxProcesses`), follows the registry as processes come and go, and folds their last
 * updates into caller → service edges. It runs only while someone reads `view()` (it stops 30 s after the last
 * read); every connection is bounded (see `SubscriptionLimits`). `close()` ends every subscription.
 */
export class FleetHub {
  readonly #registry: Registry;
  readonly #token: string | undefined;
  readonly #max: number;
  readonly #limits: SubscriptionLimits;
  readonly #subscriptions = new Map<string, { caller: string; sub: FleetSubscription }>();
  #timer: NodeJS.Timeout | undefined;
  #lastRead = 0;
  #skipped = 0;

  constructor(registry: Registry, options: FleetOptions = {}) {
    this.#registry = registry;
    this.#token = options.token;
    this.#max = options.maxProcesses ?? DEFAULT_MAX_FLEET_PROCESSES;
    this.#limits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...options.limits };
  }

  /** Subscriptions open now. */
  get size(): number {
    return this.#subscriptions.size;
  }

  /** The fleet now; the first read starts the subscriptions (the page's next read, a second later, sees them). */
  view(): FleetView {
    const now = this.#registry.clock.now();
    this.#lastRead = now;
    if (!this.#timer) {
      this.#reconcile();
      this.#timer = setInterval(() => this.#tick(), RECONCILE_MS).unref();
    }
    const updates: Array<{ caller: string; update: unknown }> = [];
    const processes: FleetProcess[] = [];
    for (const [key, { caller, sub }] of this.#subscriptions) {
      const latest = sub.latest;
      const live = latest !== undefined && now - latest.at <= STALE_MS;
      if (live) updates.push({ caller, update: latest.update });
      const error = sub.error;
      processes.push({ key, caller, live, ...(error ? { error } : {}) });
    }
    return { at: now, edges: foldEdges(updates, MAX_DESTINATIONS), processes, skipped: this.#skipped };
  }

  /** Ends every subscription. */
  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const { sub } of this.#subscriptions.values()) sub.close();
    this.#subscriptions.clear();
  }

  #tick(): void {
    if (this.#registry.clock.now() - this.#lastRead > IDLE_MS) this.close();
    else this.#reconcile();
  }

  /** Opens subscriptions for new processes and closes those of processes that left (or moved). */
  #reconcile(): void {
    const { targets, skipped } = fleetTargets(this.#registry, this.#max);
    this.#skipped = skipped;
    const wanted = new Map(targets.map((t) => [t.key, t]));
    for (const [key, entry] of this.#subscriptions) {
      if (wanted.get(key)?.url === entry.sub.url) continue;
      entry.sub.close();
      this.#subscriptions.delete(key);
    }
    const now = () => this.#registry.clock.now();
    for (const target of targets) {
      if (this.#subscriptions.has(target.key)) continue;
      const sub = new FleetSubscription(target.url, this.#token, this.#limits, now);
      this.#subscriptions.set(target.key, { caller: target.caller, sub });
    }
  }
}
