import type { Registry } from "../registry.js";
import type { Lease } from "../registry-types.js";

/** setTimeout's largest delay (about 24.8 days); a later lease end is re-checked then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const key = (lease: Lease): string => `${lease.info.app}/${lease.info.instanceId}`;

/**
 * Moves the Consul index of a service the moment one of its Eureka leases passes its end, and again when such a
 * lease is renewed: both change what `/v1/health/service` answers (the instance's check turns critical, then
 * passing again), and Consul wakes blocking queries on any change to their answer (agent/blockingquery: the
 * index must move when the result does). Eviction may come much later, or never under self-preservation; the
 * registry itself does not change at a lease's end, so this keeps its own per-service epoch, added to the index.
 * It owns one unref'd timer, set for the earliest lease end; `close()` stops it.
 */
export class LeaseExpiry {
  readonly #registry: Registry;
  readonly #expired = new Set<string>();
  readonly #epochs = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  readonly #stops: (() => void)[];
  #total = 0;
  #timer: NodeJS.Timeout | undefined;
  #dueAt = Number.POSITIVE_INFINITY;

  constructor(registry: Registry) {
    this.#registry = registry;
    this.#stops = [
      registry.onChange((change) => {
        // A registration or cancel moves the registry's own index; only forget the lease's expired mark here.
        this.#expired.delete(key(change.lease));
        if (change.action !== "DELETED") this.#schedule(change.lease);
      }),
      registry.onRenew(({ lease }) => {
        // Renewals are the hot path (thousands a second): only a lease marked expired costs more than a compare.
        if (this.#expired.size > 0 && this.#expired.delete(key(lease))) this.#bump(lease.info.app);
        this.#schedule(lease);
      }),
    ];
    for (const leases of registry.applications().values()) for (const lease of leases) this.#schedule(lease);
  }

  /** How often leases of this service (upper-cased app name) expired or came back; part of its index. */
  epoch(app: string): number {
    return this.#epochs.get(app.toUpperCase()) ?? 0;
  }

  /** The sum of every service's epoch; part of the global index. */
  get total(): number {
    return this.#total;
  }

  /** Calls `listener` whenever an epoch moves; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the timer and stops listening to the registry. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const stop of this.#stops) stop();
    this.#listeners.clear();
  }

  #schedule(lease: Lease): void {
    // Registry.isExpired: a lease is past its end once now > lastRenewedAt + durationMs.
    const at = lease.lastRenewedAt + lease.durationMs + 1;
    if (at >= this.#dueAt) return; // an earlier check is already due; it re-schedules for the rest
    this.#arm(at);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#dueAt = at;
    const delay = Math.min(Math.max(0, at - this.#registry.clock.now()), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.#scan(), delay);
    this.#timer.unref();
  }

  /** Marks every lease now past its end, and arms the timer for the next end (renewals may have moved it). */
  #scan(): void {
    this.#timer = undefined;
    this.#dueAt = Number.POSITIVE_INFINITY;
    const now = this.#registry.clock.now();
    let next = Number.POSITIVE_INFINITY;
    const apps = new Set<string>();
    for (const leases of this.#registry.applications().values()) {
      for (const lease of leases) {
        if (this.#registry.isExpired(lease, now)) {
          const k = key(lease);
          if (!this.#expired.has(k)) {
            this.#expired.add(k);
            apps.add(lease.info.app);
          }
        } else next = Math.min(next, lease.lastRenewedAt + lease.durationMs + 1);
      }
    }
    for (const app of apps) this.#bump(app, false);
    if (apps.size > 0) this.#notify();
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next);
  }

  #bump(app: string, notify = true): void {
    // The move goes into the registry's own index, which peers exchange, so a peer that restarted (its epochs at
    // 0) still answers the same index as one that saw the lease end.
    this.#registry.touch(app);
    this.#epochs.set(app, (this.#epochs.get(app) ?? 0) + 1);
    this.#total += 1;
    if (notify) this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // A waiter that throws must not keep the others asleep.
      }
    }
  }
}
