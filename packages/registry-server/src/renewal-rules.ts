// What a heartbeat does to what the registry holds, decided without touching it (Eureka's `renew` and
// `InstanceResource.renewLease` with `validateDirtyTimestamp`).
import type { InstanceStatus } from "./instance-info.js";
import type { Lease, RenewOptions, RenewOutcome } from "./registry-types.js";
import { resolveStatus } from "./status-rules.js";

/** A renewal's answer (`RenewOutcome`'s kind) and what it stores, in order: a status, then a peer's override. */
export interface Renewal {
  readonly kind: RenewOutcome["kind"];
  /** The status Eureka's rule chain gives the held copy, when it differs from the one held (stored before renewing). */
  readonly status?: InstanceStatus;
  /** A peer's override carried by its newer copy (Eureka's `storeOverriddenStatusIfRequired`; stored after). */
  readonly overriddenStatus?: InstanceStatus;
}

/**
 * Decides a renewal of `lease`: a status the rule chain resolves to UNKNOWN (an override deleted without a value)
 * is `not-found`, so the client registers again; then the sender's `lastDirtyTimestamp` against ours: none or the
 * same `ok`, newer `client-newer` (404: it registers again), older `conflict` from a peer (409 with ours) and `ok`
 * from a client. A peer's override is taken only when its copy is the newer one, never before a 409.
 */
export function renewalOf(lease: Lease, options: RenewOptions): Renewal {
  const replication = options.origin === "replication";
  const resolved = resolveStatus({
    incoming: lease.info,
    existingStatus: lease.info.status,
    existingSetByServer: lease.statusSetByServer,
    replication,
  });
  if (resolved === "UNKNOWN") return { kind: "not-found" };
  const status = resolved !== lease.info.status ? { status: resolved } : {};
  const sent = options.lastDirtyTimestamp;
  const ours = lease.info.lastDirtyTimestamp;
  if (sent === undefined || sent === ours) return { kind: "ok", ...status };
  if (!(sent > ours)) return { kind: replication ? "conflict" : "ok", ...status };
  const override = options.overriddenStatus;
  const taken = replication && override && override !== "UNKNOWN" && override !== lease.info.overriddenStatus;
  return { kind: "client-newer", ...status, ...(taken ? { overriddenStatus: override } : {}) };
}
