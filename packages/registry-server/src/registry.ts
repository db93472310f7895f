import { EventSource } from "@outrigger/core";
import { ChangeLog } from "./change-log.js";
import { type Clock, systemClock } from "./clock.js";
import type { InstanceInfo, InstanceStatus } from "./instance-info.js";
import { LeaseStore } from "./lease-store.js";
import { RecentCancels } from "./recent-cancels.js";
import { registrationLease } from "./registration-rules.js";
import {
  DEFAULT_DELTA_RETENTION_MS,
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_MAX_DELTA_ENTRIES,
} from "./registry-defaults.js";
import { RegistryIndex } from "./registry-index.js";
import type {
  Lease,
  RegisterOutcome,
  RegistryOptions,
  RenewEvent,
  RenewOptions,
  RenewOutcome,
  StatusWriteOptions,
  WriteOrigin,
} from "./registry-types.js";
import { renewalOf } from "./renewal-rules.js";
import { type StatusWrite, statusWriteOf } from "./status-write-rules.js";
import { WriteClock } from "./write-order.js";

/** A lease whose renewal time the registry moves in place (see `Lease.lastRenewedAt`). */
type MutableLease = Lease & { lastRenewedAt: number };

/**
 * The in-memory registry of applications and their leased instances. It owns no timer: the server drives
 * eviction, so lease logic is tested with a fake clock. Its listeners are isolated: one that throws is reported
 * and neither fails the write nor keeps later listeners (watches, caches, event log, replication) from running.
 */
export class Registry extends RegistryIndex {
  readonly #leases = new LeaseStore();
  readonly #clock: Clock;
  readonly #writes: WriteClock;
  readonly #cancels: RecentCancels;
  readonly #defaultLeaseMs: number;
  readonly #renews: EventSource<RenewEvent>;

  constructor(options: RegistryOptions = {}) {
    const clock = options.clock ?? systemClock;
    const retentionMs = options.deltaRetentionMs ?? DEFAULT_DELTA_RETENTION_MS;
    const maxEntries = Math.max(1, options.maxDeltaEntries ?? DEFAULT_MAX_DELTA_ENTRIES);
    super(new ChangeLog(clock, retentionMs, maxEntries, options.onListenerError));
    this.#clock = clock;
    this.#writes = new WriteClock(clock);
    this.#defaultLeaseMs = options.defaultLeaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.#renews = new EventSource(options.onListenerError);
    this.#cancels = new RecentCancels(clock, retentionMs, maxEntries);
  }

  /** The stamps of writes (`Lease.writtenAt`): a starting peer takes a peer's `last`, so its writes order after. */
  get writeClock(): WriteClock {
    return this.#writes;
  }

  /** The registry's clock, shared with eviction and self-preservation. */
  get clock(): Clock {
    return this.#clock;
  }

  /** How many instances are registered. */
  get size(): number {
    return this.#leases.size;
  }

  /** Adds or replaces an instance and starts its lease; see `registerChecked`. */
  register(info: InstanceInfo, origin: WriteOrigin = "local"): Lease {
    const outcome = this.registerChecked(info, origin);
    // Only a stamped copy can be `cancelled`, and this passes no stamp.
    if (outcome.kind === "cancelled") throw new Error("unreachable: an unstamped registration was cancelled");
    return outcome.lease;
  }

  /**
   * Adds or replaces an instance and starts its lease, as Eureka's `AbstractInstanceRegistry.register`; which copy
   * wins and what is stored is `registrationLease` (a `conflict` applies nothing). A local write is stamped here
   * (`WriteClock`); a peer's carries `writtenAt`, and a stamp the write clock refuses throws REGISTRY_INVALID_FIELD
   * (`WriteClock.observe`) before anything changes. A peer's copy written at or before this registry's last cancel
   * of the instance (kept for the delta window, `RecentCancels`) is `cancelled`: not applied, so a write crossing a
   * cancel does not bring the instance back.
   */
  registerChecked(info: InstanceInfo, origin: WriteOrigin = "local", writtenAt?: number): RegisterOutcome {
    const now = this.#clock.now();
    const existing = this.#leases.get(info.app, info.instanceId);
    const replication = origin === "replication";
    if (replication) {
      this.#writes.observe(writtenAt);
      if (this.#cancels.supersedes(info.app, info.instanceId, writtenAt)) return { kind: "cancelled" };
    }
    const decided = registrationLease({
      info,
      existing,
      replication,
      writtenAt,
      nextStamp: () => this.#writes.next(),
      now,
      defaultLeaseMs: this.#defaultLeaseMs,
    });
    if (decided.kind === "conflict") return decided;
    const { lease } = decided;
    if (this.#leases.set(lease)) this.#cancels.forget(info.app, info.instanceId);
    this.log.publish(lease.actionType, lease, origin);
    return { kind: "ok", lease };
  }

  /** Extends an instance's lease; false when the registry does not know it (the client then re-registers). */
  renew(app: string, id: string, options: RenewOptions = {}): boolean {
    return this.renewChecked(app, id, options).kind === "ok";
  }

  /**
   * Extends a lease as Eureka's `renew` and `InstanceResource.renewLease` do; what it answers and stores is
   * `renewalOf` (the status the rule chain gives, the dirty timestamps compared, a peer's newer override).
   */
  renewChecked(app: string, id: string, options: RenewOptions = {}): RenewOutcome {
    let lease = this.#leases.get(app.toUpperCase(), id) as MutableLease | undefined;
    if (!lease) return { kind: "not-found" };
    const renewal = renewalOf(lease, options);
    if (renewal.kind === "not-found") return { kind: "not-found" };
    const origin = options.origin ?? "local";
    if (renewal.status) lease = this.#replace(lease, { ...lease.info, status: renewal.status }, origin);
    lease.lastRenewedAt = this.#clock.now();
    this.#renews.emit({ lease, origin });
    const override = renewal.overriddenStatus;
    if (override) lease = this.#replace(lease, { ...lease.info, overriddenStatus: override }, origin);
    return { kind: renewal.kind, lease };
  }

  /**
   * An operator's status override (`PUT …/status?value=`), as Eureka's `statusUpdate`: renews the lease and, when
   * the status differs, stores the override (in a cluster the same status is still stamped and replicated). The
   * dirty timestamp stays the client's (a peer's newer one is taken). Undefined when the instance is unknown.
   */
  setStatusOverride(
    app: string,
    id: string,
    value: InstanceStatus,
    options: StatusWriteOptions = {},
  ): Lease | undefined {
    return this.#statusWrite(app, id, { kind: "override", value }, options);
  }

  /**
   * Removes an operator's override (`DELETE …/status[?value=]`), as Eureka's `deleteStatusOverride`: only when one
   * is stored, the status becomes `status` (UNKNOWN when no value is sent: the next heartbeat is answered 404 and
   * the client registers again). Undefined when the instance is unknown.
   */
  deleteStatusOverride(
    app: string,
    id: string,
    status: InstanceStatus,
    options: StatusWriteOptions = {},
  ): Lease | undefined {
    return this.#statusWrite(app, id, { kind: "delete", status }, options);
  }

  /**
   * Changes an instance (metadata) without touching its dirty timestamp: that timestamp is the client's clock, and
   * stamping the server's over it would make the client's next, genuinely newer registration look stale.
   */
  update(
    app: string,
    id: string,
    change: (info: InstanceInfo) => InstanceInfo,
    origin: WriteOrigin = "local",
  ): Lease | undefined {
    const lease = this.#leases.get(app.toUpperCase(), id);
    if (!lease) return undefined;
    // The change may not move the instance: its names and the client's dirty timestamp stay.
    const { app: name, instanceId, lastDirtyTimestamp } = lease.info;
    return this.#replace(lease, { ...change(lease.info), app: name, instanceId, lastDirtyTimestamp }, origin);
  }

  /**
   * Removes an instance (and its override, as Eureka's `internalCancel`); false when the registry does not know it.
   * A local cancel is stamped, a peer's carries its stamp (`writtenAt`, checked as `WriteClock.observe` does): both
   * are kept (see `registerChecked`) so a peer's copy written before it does not register the instance again. An
   * eviction is not kept: each peer evicts for itself, and a copy from a peer still renewing it is alive.
   */
  cancel(app: string, id: string, origin: WriteOrigin = "local", writtenAt?: number): boolean {
    if (origin === "replication") this.#writes.observe(writtenAt);
    const name = app.toUpperCase();
    const lease = this.#leases.delete(name, id);
    if (!lease) return false;
    const stamp = origin === "local" ? this.#writes.next() : origin === "replication" ? writtenAt : undefined;
    if (stamp !== undefined) this.#cancels.record(name, id, stamp);
    const now = this.#clock.now();
    this.log.publish("DELETED", { ...lease, lastUpdatedAt: now, actionType: "DELETED", writtenAt: stamp }, origin);
    return true;
  }

  /** One instance's lease, if registered. */
  get(app: string, id: string): Lease | undefined {
    return this.#leases.get(app.toUpperCase(), id);
  }

  /** The leases of one application, empty when unknown. */
  application(app: string): readonly Lease[] {
    return this.#leases.application(app.toUpperCase());
  }

  /** All applications with their leases, in name order. */
  applications(): ReadonlyMap<string, readonly Lease[]> {
    return this.#leases.applications();
  }

  /** True when a lease's last renewal is older than its duration (Eureka waits twice the duration; we do not). */
  isExpired(lease: Lease, now = this.#clock.now()): boolean {
    return now > lease.lastRenewedAt + lease.durationMs;
  }

  /** Leases past their end, in registry order. */
  expiredLeases(): Lease[] {
    const now = this.#clock.now();
    return [...this.#leases.leases()].filter((lease) => this.isExpired(lease, now));
  }

  /** Cancels every expired lease, uncapped; the server's `Evictor` adds Eureka's cap, random order and guards. */
  evictExpired(): Lease[] {
    const expired = this.expiredLeases();
    for (const lease of expired) this.cancel(lease.info.app, lease.info.instanceId, "eviction");
    return expired;
  }

  /** Calls `listener` on every successful renewal; returns a function that stops it. */
  onRenew(listener: (event: RenewEvent) => void): () => void {
    const subscription = this.#renews.event(listener);
    return () => subscription.dispose();
  }

  #statusWrite(app: string, id: string, write: StatusWrite, options: StatusWriteOptions): Lease | undefined {
    const lease = this.#leases.get(app.toUpperCase(), id) as MutableLease | undefined;
    if (!lease) return undefined;
    lease.lastRenewedAt = this.#clock.now();
    const info = statusWriteOf(lease.info, write, options.lastDirtyTimestamp);
    const origin = options.origin ?? "local";
    // In a cluster a write of what is held is still a write, as Eureka replicates every `statusUpdate`: stamped and
    // replicated, it orders after a peer's earlier write still on its way here instead of being undone by it.
    if (!info) return this.clustered && origin === "local" ? this.#replace(lease, lease.info, origin) : lease;
    return this.#replace({ ...lease, statusSetByServer: true }, info, origin);
  }

  /** Stores a changed copy of an instance (same lease times; a local change stamped) and publishes it. */
  #replace(lease: Lease, info: InstanceInfo, origin: WriteOrigin): MutableLease {
    const now = this.#clock.now();
    const writtenAt = origin === "local" ? this.#writes.next() : lease.writtenAt;
    const updated: MutableLease = { ...lease, info, lastUpdatedAt: now, actionType: "MODIFIED", writtenAt };
    this.#leases.set(updated);
    this.log.publish("MODIFIED", updated, origin);
    return updated;
  }
}
