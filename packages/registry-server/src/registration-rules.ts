// What a registration does to what the registry holds, decided without touching it (Eureka's
// `AbstractInstanceRegistry.register`): which copy wins, which override and status are stored, how long the lease.
import type { InstanceInfo } from "./instance-info.js";
import type { Lease } from "./registry-types.js";
import { resolveStatus } from "./status-rules.js";
import { replicaLoses } from "./write-order.js";

/** One registration, with what the registry holds for the same instance. */
export interface RegistrationInput {
  readonly info: InstanceInfo;
  readonly existing: Lease | undefined;
  /** True for a peer's copy (`origin: "replication"`). */
  readonly replication: boolean;
  /** A peer's copy: the stamp of its write on that peer. */
  readonly writtenAt: number | undefined;
  /** A local write: its stamp, taken only once the write is known to apply (`WriteClock.next`). */
  readonly nextStamp: () => number;
  /** Now, ms (the registry's clock). */
  readonly now: number;
  /** The lease given when the registration asks for none or for ≤ 0 s, ms. */
  readonly defaultLeaseMs: number;
}

/**
 * The lease a registration stores, or `conflict` with the copy kept: a held copy with a newer
 * `lastDirtyTimestamp` is kept (a peer's older copy is refused; a client's re-registration takes the held one); a
 * peer's copy with our dirty timestamp is refused when ours was written later (`replicaLoses`). A stored override
 * survives the client's re-registration (Eureka's `overriddenInstanceStatusMap`); a peer's copy carries its
 * server's override as it is. The status is Eureka's rule chain (`resolveStatus`).
 */
export function registrationLease(input: RegistrationInput): { kind: "ok" | "conflict"; lease: Lease } {
  const { info, existing, replication, writtenAt, now } = input;
  let registrant = info;
  if (existing && existing.info.lastDirtyTimestamp > info.lastDirtyTimestamp) {
    if (replication) return { kind: "conflict", lease: existing };
    registrant = existing.info;
  }
  const sameDirty = existing?.info.lastDirtyTimestamp === info.lastDirtyTimestamp;
  if (replication && existing && sameDirty && replicaLoses(existing, info, writtenAt)) {
    return { kind: "conflict", lease: existing };
  }
  const stamp = replication ? writtenAt : input.nextStamp();
  const stored = existing?.info.overriddenStatus ?? "UNKNOWN";
  const override = replication || stored === "UNKNOWN" ? registrant.overriddenStatus : stored;
  const status = resolveStatus({
    incoming: { status: registrant.status, overriddenStatus: override },
    ...(existing ? { existingStatus: existing.info.status, existingSetByServer: existing.statusSetByServer } : {}),
    replication,
  });
  const seconds = registrant.leaseDurationInSecs;
  const lease: Lease = {
    info: { ...registrant, status, overriddenStatus: override },
    durationMs: seconds !== undefined && seconds > 0 ? seconds * 1000 : input.defaultLeaseMs,
    registeredAt: existing?.registeredAt ?? now,
    lastRenewedAt: now,
    lastUpdatedAt: now,
    actionType: existing ? "MODIFIED" : "ADDED",
    ...(stamp !== undefined ? { writtenAt: stamp } : {}),
  };
  return { kind: "ok", lease };
}
