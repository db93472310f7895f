import { type Clock, systemClock } from "./clock.js";
import type { InstanceInfo } from "./instance-info.js";

/** What happened to an instance, as Eureka's `actionType` names it. */
export type ActionType = "ADDED" | "MODIFIED" | "DELETED";

/** A registered instance with its lease. */
export interface Lease {
  readonly info: InstanceInfo;
  readonly durationMs: number;
  readonly registeredAt: number;
  readonly lastRenewedAt: number;
  readonly lastUpdatedAt: number;
  readonly actionType: ActionType;
}

/** A registry change, published to watchers the moment it is made. */
export interface RegistryChange {
  readonly version: number;
  readonly action: ActionType;
  readonly lease: Lease;
}

/** Settings of the in-memory registry. */
export interface RegistryOptions {
  /** Lease duration when a registration names none (Eureka's default: 90 s). */
  readonly defaultLeaseDurationMs?: number;
  readonly clock?: Clock;
  /** How long changes stay in the delta window (Eureka: 3 minutes). */
  readonly deltaRetentionMs?: number;
}

/** Eureka keeps three minutes of changes for `apps/delta`. */
export const DEFAULT_DELTA_RETENTION_MS = 180_000;

/** Eureka's default lease: an instance not renewed for 90 s is expired. */
export const DEFAULT_LEASE_DURATION_MS = 90_000;

/**
 * The in-memory registry of applications and their leased instances. It owns no timer: the server drives
 * eviction, so lease logic is tested with a fake clock.
 */
export class Registry {
  readonly #apps = new Map<string, Map<string, Lease>>();
  readonly #clock: Clock;
  readonly #defaultLeaseMs: number;
  readonly #listeners = new Set<(change: RegistryChange) => void>();
  readonly #appIndex = new Map<string, number>();
  readonly #recent: RegistryChange[] = [];
  readonly #deltaRetentionMs: number;
  #version = 0;

  constructor(options: RegistryOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#defaultLeaseMs = options.defaultLeaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#deltaRetentionMs = options.deltaRetentionMs ?? DEFAULT_DELTA_RETENTION_MS;
  }

  /** The version of the last change to `app` (0 when it never changed); watchers of one app compare it. */
  appIndex(app: string): number {
    return this.#appIndex.get(app.toUpperCase()) ?? 0;
  }

  /** Changes of the delta window, oldest first. */
  recentChanges(): readonly RegistryChange[] {
    this.#prune();
    return [...this.#recent];
  }

  /** A number that moves forward on every change; watchers compare it. */
  get version(): number {
    return this.#version;
  }

  /** Adds or replaces an instance and starts its lease. */
  register(info: InstanceInfo): Lease {
    const now = this.#clock.now();
    const existing = this.#apps.get(info.app)?.get(info.instanceId);
    const lease: Lease = {
      info,
      durationMs: info.leaseDurationInSecs !== undefined ? info.leaseDurationInSecs * 1000 : this.#defaultLeaseMs,
      registeredAt: existing?.registeredAt ?? now,
      lastRenewedAt: now,
      lastUpdatedAt: now,
      actionType: existing ? "MODIFIED" : "ADDED",
    };
    let app = this.#apps.get(info.app);
    if (!app) {
      app = new Map();
      this.#apps.set(info.app, app);
    }
    app.set(info.instanceId, lease);
    this.#publish(lease.actionType, lease);
    return lease;
  }

  /** Extends an instance's lease; false when the registry does not know it (the client then re-registers). */
  renew(app: string, id: string): boolean {
    const apps = this.#apps.get(app.toUpperCase());
    const lease = apps?.get(id);
    if (!apps || !lease) return false;
    apps.set(id, { ...lease, lastRenewedAt: this.#clock.now() });
    return true;
  }

  /** Removes an instance; false when the registry does not know it. */
  cancel(app: string, id: string): boolean {
    const name = app.toUpperCase();
    const apps = this.#apps.get(name);
    const lease = apps?.get(id);
    if (!apps || !lease) return false;
    apps.delete(id);
    if (apps.size === 0) this.#apps.delete(name);
    this.#publish("DELETED", { ...lease, lastUpdatedAt: this.#clock.now(), actionType: "DELETED" });
    return true;
  }

  /** One instance's lease, if registered. */
  get(app: string, id: string): Lease | undefined {
    return this.#apps.get(app.toUpperCase())?.get(id);
  }

  /** The leases of one application, empty when unknown. */
  application(app: string): readonly Lease[] {
    return [...(this.#apps.get(app.toUpperCase())?.values() ?? [])];
  }

  /** All applications with their leases, in name order. */
  applications(): ReadonlyMap<string, readonly Lease[]> {
    const names = [...this.#apps.keys()].sort();
    return new Map(names.map((name) => [name, [...(this.#apps.get(name)?.values() ?? [])]]));
  }

  /** Cancels every lease whose last renewal is older than its duration; returns what it evicted. */
  evictExpired(): Lease[] {
    const now = this.#clock.now();
    const expired: Lease[] = [];
    for (const leases of this.#apps.values()) {
      for (const lease of leases.values()) {
        // Unlike Eureka, which expires a lease at twice its duration, a lease ends at last renewal + duration.
        if (now > lease.lastRenewedAt + lease.durationMs) expired.push(lease);
      }
    }
    for (const lease of expired) this.cancel(lease.info.app, lease.info.instanceId);
    return expired;
  }

  /** Calls `listener` on every change; returns a function that stops it. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #prune(): void {
    const oldest = this.#clock.now() - this.#deltaRetentionMs;
    while (this.#recent.length > 0 && (this.#recent[0] as RegistryChange).lease.lastUpdatedAt < oldest) {
      this.#recent.shift();
    }
  }

  #publish(action: ActionType, lease: Lease): void {
    this.#version += 1;
    const change: RegistryChange = { version: this.#version, action, lease };
    this.#appIndex.set(lease.info.app, this.#version);
    this.#recent.push(change);
    this.#prune();
    for (const listener of this.#listeners) listener(change);
  }
}
