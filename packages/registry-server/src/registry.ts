import { type Clock, systemClock } from "./clock.js";
import type { InstanceInfo, InstanceStatus } from "./instance-info.js";

/** What happened to an instance, as Eureka's `actionType` names it. */
export type ActionType = "ADDED" | "MODIFIED" | "DELETED";

/** Where a write came from: a client, a peer registry (never replicated again), or the evictor. */
export type WriteOrigin = "local" | "replication" | "eviction";

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
  /** Who made the change; replication forwards only `local` ones. */
  readonly origin: WriteOrigin;
}

/** A renewal, published so self-preservation can count renews and peers can be told. */
export interface RenewEvent {
  readonly lease: Lease;
  readonly origin: WriteOrigin;
}

/** What a renewal may carry, as Eureka's `PUT apps/{APP}/{ID}?status=&overriddenstatus=&lastDirtyTimestamp=`. */
export interface RenewOptions {
  readonly status?: InstanceStatus;
  readonly overriddenStatus?: InstanceStatus;
  readonly lastDirtyTimestamp?: number;
  readonly origin?: WriteOrigin;
}

/**
 * The answer to a renewal, after Eureka's `lastDirtyTimestamp` rules: `not-found` (the client registers again),
 * `client-newer` (the sender's copy is newer: Eureka answers 404 so it registers again), `conflict` (a replicated
 * renew whose copy is older than ours: Eureka answers 409 with our instance), or `ok`.
 */
export type RenewOutcome =
  | { readonly kind: "ok"; readonly lease: Lease }
  | { readonly kind: "not-found" }
  | { readonly kind: "client-newer"; readonly lease: Lease }
  | { readonly kind: "conflict"; readonly lease: Lease };

/** Settings of the in-memory registry. */
export interface RegistryOptions {
  /** Lease duration when a registration names none (Eureka's default: 90 s). */
  readonly defaultLeaseDurationMs?: number;
  readonly clock?: Clock;
  /** How long changes stay in the delta window (Eureka: 3 minutes). */
  readonly deltaRetentionMs?: number;
  /** Most changes the delta window holds; the oldest go first (default 10 000). */
  readonly maxDeltaEntries?: number;
}

/** Eureka keeps three minutes of changes for `apps/delta`. */
export const DEFAULT_DELTA_RETENTION_MS = 180_000;

/**
 * The delta window holds at most 10 000 changes (about 10 MB; dropped ones are released in batches, so up to twice
 * that is held for a moment) however fast they come: Eureka bounds it by age only
 * (`retentionTimeInMSInDeltaQueue`), and 50 000 register/cancel pairs then held 92 MB for three minutes. A client
 * whose delta misses a dropped change sees the `apps__hashcode` differ and does a full fetch, as Eureka clients do.
 */
export const DEFAULT_MAX_DELTA_ENTRIES = 10_000;

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
  readonly #renewListeners = new Set<(event: RenewEvent) => void>();
  readonly #appIndex = new Map<string, number>();
  readonly #recent: RegistryChange[] = [];
  /** Changes before this index have left the delta window; the array is compacted now and then, not per change. */
  #recentHead = 0;
  readonly #deltaRetentionMs: number;
  readonly #maxDeltaEntries: number;
  #version = 0;
  #size = 0;

  constructor(options: RegistryOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#defaultLeaseMs = options.defaultLeaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#deltaRetentionMs = options.deltaRetentionMs ?? DEFAULT_DELTA_RETENTION_MS;
    this.#maxDeltaEntries = Math.max(1, options.maxDeltaEntries ?? DEFAULT_MAX_DELTA_ENTRIES);
  }

  /** The registry's clock, shared with eviction and self-preservation. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The version of the last change to `app` (0 when it never changed); watchers of one app compare it. */
  appIndex(app: string): number {
    return this.#appIndex.get(app.toUpperCase()) ?? 0;
  }

  /** Changes of the delta window, oldest first. */
  recentChanges(): readonly RegistryChange[] {
    this.#prune();
    return this.#recent.slice(this.#recentHead);
  }

  /** A number that moves forward on every change; watchers compare it. */
  get version(): number {
    return this.#version;
  }

  /** How many instances are registered. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds or replaces an instance and starts its lease. As in Eureka, when the registry holds a copy with a newer
   * `lastDirtyTimestamp` that copy is kept, and a status override set on the server survives a client's re-register.
   */
  register(info: InstanceInfo, origin: WriteOrigin = "local"): Lease {
    const now = this.#clock.now();
    const existing = this.#apps.get(info.app)?.get(info.instanceId);
    let kept = info;
    if (existing && existing.info.lastDirtyTimestamp > info.lastDirtyTimestamp) kept = existing.info;
    else if (existing && origin === "local" && info.overriddenStatus === "UNKNOWN") {
      const override = existing.info.overriddenStatus;
      if (override !== "UNKNOWN") kept = { ...info, overriddenStatus: override, status: override };
    }
    const lease: Lease = {
      info: kept,
      durationMs: kept.leaseDurationInSecs !== undefined ? kept.leaseDurationInSecs * 1000 : this.#defaultLeaseMs,
      registeredAt: existing?.registeredAt ?? now,
      lastRenewedAt: now,
      lastUpdatedAt: now,
      actionType: existing ? "MODIFIED" : "ADDED",
    };
    let app = this.#apps.get(kept.app);
    if (!app) {
      app = new Map();
      this.#apps.set(kept.app, app);
    }
    if (!existing) this.#size += 1;
    app.set(kept.instanceId, lease);
    this.#publish(lease.actionType, lease, origin);
    return lease;
  }

  /** Extends an instance's lease; false when the registry does not know it (the client then re-registers). */
  renew(app: string, id: string, options: RenewOptions = {}): boolean {
    return this.renewChecked(app, id, options).kind === "ok";
  }

  /** Extends a lease and applies Eureka's `status`/`overriddenstatus`/`lastDirtyTimestamp` rules. */
  renewChecked(app: string, id: string, options: RenewOptions = {}): RenewOutcome {
    const apps = this.#apps.get(app.toUpperCase());
    const lease = apps?.get(id);
    if (!apps || !lease) return { kind: "not-found" };
    const origin = options.origin ?? "local";
    let info = lease.info;
    if (origin === "replication" && options.overriddenStatus && options.overriddenStatus !== "UNKNOWN") {
      info = { ...info, overriddenStatus: options.overriddenStatus, status: options.overriddenStatus };
    }
    const renewed: Lease = { ...lease, info, lastRenewedAt: this.#clock.now() };
    apps.set(id, renewed);
    if (info !== lease.info) this.#publish("MODIFIED", { ...renewed, actionType: "MODIFIED" }, origin);
    for (const listener of this.#renewListeners) listener({ lease: renewed, origin });
    const sent = options.lastDirtyTimestamp;
    if (sent === undefined || sent === info.lastDirtyTimestamp) return { kind: "ok", lease: renewed };
    if (sent > info.lastDirtyTimestamp) return { kind: "client-newer", lease: renewed };
    return origin === "replication" ? { kind: "conflict", lease: renewed } : { kind: "ok", lease: renewed };
  }

  /** Changes an instance (status override, metadata) and stamps it dirty; undefined when unknown. */
  update(
    app: string,
    id: string,
    change: (info: InstanceInfo) => InstanceInfo,
    origin: WriteOrigin = "local",
  ): Lease | undefined {
    const apps = this.#apps.get(app.toUpperCase());
    const lease = apps?.get(id);
    if (!apps || !lease) return undefined;
    const now = this.#clock.now();
    const info = { ...change(lease.info) };
    if (origin !== "replication") info.lastDirtyTimestamp = Math.max(now, lease.info.lastDirtyTimestamp + 1);
    const updated: Lease = { ...lease, info, lastUpdatedAt: now, actionType: "MODIFIED" };
    apps.set(id, updated);
    this.#publish("MODIFIED", updated, origin);
    return updated;
  }

  /** Removes an instance; false when the registry does not know it. */
  cancel(app: string, id: string, origin: WriteOrigin = "local"): boolean {
    const name = app.toUpperCase();
    const apps = this.#apps.get(name);
    const lease = apps?.get(id);
    if (!apps || !lease) return false;
    apps.delete(id);
    this.#size -= 1;
    if (apps.size === 0) this.#apps.delete(name);
    this.#publish("DELETED", { ...lease, lastUpdatedAt: this.#clock.now(), actionType: "DELETED" }, origin);
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

  /** True when a lease's last renewal is older than its duration (Eureka waits twice the duration; we do not). */
  isExpired(lease: Lease, now = this.#clock.now()): boolean {
    return now > lease.lastRenewedAt + lease.durationMs;
  }

  /** Leases past their end, in registry order. */
  expiredLeases(): Lease[] {
    const now = this.#clock.now();
    const expired: Lease[] = [];
    for (const leases of this.#apps.values()) {
      for (const lease of leases.values()) if (this.isExpired(lease, now)) expired.push(lease);
    }
    return expired;
  }

  /** Cancels every expired lease, uncapped; the server's `Evictor` adds Eureka's cap, random order and guards. */
  evictExpired(): Lease[] {
    const expired = this.expiredLeases();
    for (const lease of expired) this.cancel(lease.info.app, lease.info.instanceId, "eviction");
    return expired;
  }

  /** Calls `listener` on every change; returns a function that stops it. */
  onChange(listener: (change: RegistryChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` on every successful renewal; returns a function that stops it. */
  onRenew(listener: (event: RenewEvent) => void): () => void {
    this.#renewListeners.add(listener);
    return () => this.#renewListeners.delete(listener);
  }

  #prune(): void {
    const oldest = this.#clock.now() - this.#deltaRetentionMs;
    const recent = this.#recent;
    let head = Math.max(this.#recentHead, recent.length - this.#maxDeltaEntries);
    while (head < recent.length && (recent[head] as RegistryChange).lease.lastUpdatedAt < oldest) head += 1;
    // Dropped changes are released in one splice once they are half the array: O(1) per change on average.
    if (head > 0 && head * 2 >= recent.length) {
      recent.splice(0, head);
      head = 0;
    }
    this.#recentHead = head;
  }

  #publish(action: ActionType, lease: Lease, origin: WriteOrigin): void {
    this.#version += 1;
    const change: RegistryChange = { version: this.#version, action, lease, origin };
    this.#appIndex.set(lease.info.app, this.#version);
    this.#recent.push(change);
    this.#prune();
    for (const listener of this.#listeners) listener(change);
  }
}
