import type { Clock } from "./clock.js";
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
  /**
   * The last renewal, live: a renewal updates it in place and does not replace the lease, so renewals leave the
   * encoded full fetch as it is (its bytes show the time as of the instance's last change, as Eureka's response
   * cache does); single-instance reads, eviction and the dashboard read the live value.
   */
  readonly lastRenewedAt: number;
  readonly lastUpdatedAt: number;
  readonly actionType: ActionType;
  /**
   * True when the stored status was set on this server by a status route (an operator's override or its removal)
   * rather than reported by the client: Eureka's `LeaseExistsRule` keeps such a status on the client's next
   * registration (see `status-rules.ts`).
   */
  readonly statusSetByServer?: boolean;
  /**
   * When this copy was last written (ms; see `nextWriteStamp`): on this server for a local write, on the peer that
   * made it for a replicated one. Orders copies with the same `lastDirtyTimestamp` (`replicaLoses`); undefined for
   * a copy that came without one.
   */
  readonly writtenAt?: number;
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
 * The answer to a renewal, after Eureka's rules (`InstanceResource.renewLease`, `validateDirtyTimestamp`):
 * `not-found` (unknown, or its status resolved to UNKNOWN after an override was deleted: the client registers
 * again), `client-newer` (the sender's copy is newer: 404 so it registers again), `conflict` (a replicated renew
 * whose copy is older than ours: 409 with our instance), or `ok`.
 */
export type RenewOutcome =
  | { readonly kind: "ok"; readonly lease: Lease }
  | { readonly kind: "not-found" }
  | { readonly kind: "client-newer"; readonly lease: Lease }
  | { readonly kind: "conflict"; readonly lease: Lease };

/**
 * The answer to a registration: `ok` with the stored lease; `conflict` when a peer replicated a copy older (by
 * `lastDirtyTimestamp`, then its write stamp) than ours: nothing was applied and the peer is sent ours; `cancelled`
 * when a peer's copy was written before this registry cancelled the instance: nothing was applied (a 404).
 */
export type RegisterOutcome =
  | { readonly kind: "ok"; readonly lease: Lease }
  | { readonly kind: "conflict"; readonly lease: Lease }
  | { readonly kind: "cancelled" };

/** Settings of the in-memory registry. */
export interface RegistryOptions {
  /** Lease duration when a registration names none or names one ≤ 0 (Eureka's default: 90 s). */
  readonly defaultLeaseDurationMs?: number;
  readonly clock?: Clock;
  /** How long changes stay in the delta window (Eureka: 3 minutes). */
  readonly deltaRetentionMs?: number;
  /** Most changes the delta window holds; the oldest go first (default 10 000). */
  readonly maxDeltaEntries?: number;
  /** Called with an error a change or renew listener threw; the write itself never fails (default: a warning). */
  readonly onListenerError?: (error: unknown) => void;
}

/** What a server-side status write may carry: who sent it and, from a peer, its dirty timestamp. */
export interface StatusWriteOptions {
  readonly origin?: WriteOrigin;
  /** Eureka's `lastDirtyTimestamp` query parameter: taken when newer than ours, never the server's clock. */
  readonly lastDirtyTimestamp?: number;
}
