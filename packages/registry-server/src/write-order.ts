import type { InstanceInfo } from "./instance-info.js";
import type { Lease } from "./registry-types.js";

/**
 * Body field (on a replicated `Register` task and on a peer's 409 answer) carrying a copy's `Lease.writtenAt`.
 * Outrigger's; an Eureka peer neither sends nor reads it, and its copies are ordered by `lastDirtyTimestamp` alone.
 */
export const WRITTEN_AT_FIELD = "outriggerWrittenAt";

/**
 * The stamp of a write made on this server: its clock's time in ms, but always above the copy's previous stamp, so
 * a write that follows one received from a peer orders after it even when this server's clock is behind (a hybrid
 * logical clock: real-time order between peers, causal order whatever their clocks say).
 */
export function nextWriteStamp(previous: number | undefined, now: number): number {
  return previous === undefined ? now : Math.max(now, previous + 1);
}

/** `WRITTEN_AT_FIELD` of a task or answer, when it is a safe integer. */
export function readWrittenAt(value: unknown): number | undefined {
  const raw = (value as Record<string, unknown> | null | undefined)?.[WRITTEN_AT_FIELD];
  return Number.isSafeInteger(raw) ? (raw as number) : undefined;
}

/**
 * True when a peer's copy of an instance, with the same `lastDirtyTimestamp` as ours, was written before ours and
 * must be refused (a 409 with ours, which the peer adopts). Server-side writes (status overrides, metadata) keep
 * the client's dirty timestamp, as Eureka's `statusUpdate` does (`setStatusWithoutDirty`), so two peers changing
 * one instance within a replication's trip used to apply each other's copy and swap: each ended with the other's
 * value for good (the kind of Netflix/eureka#908, "overriding status does not replicate", seen between peers). The
 * later stamp wins on both; equal stamps fall to the status, then the override, compared as strings, so both peers
 * pick the same copy. A copy without a stamp (an Eureka peer's, a start-up copy) is never refused for it.
 */
export function replicaLoses(existing: Lease, incoming: InstanceInfo, incomingAt: number | undefined): boolean {
  const ours = existing.writtenAt;
  if (ours === undefined || incomingAt === undefined) return false;
  if (ours !== incomingAt) return ours > incomingAt;
  const a = `${existing.info.status}\u0000${existing.info.overriddenStatus}`;
  const b = `${incoming.status}\u0000${incoming.overriddenStatus}`;
  return a > b;
}
