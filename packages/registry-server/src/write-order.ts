import type { Clock } from "./clock.js";
import { RegistryError } from "./errors.js";
import type { InstanceInfo } from "./instance-info.js";
import type { Lease } from "./registry-types.js";

/**
 * Body field carrying write stamps between peers: a `Register` task's (`Lease.writtenAt`), a 409 answer's, and the
 * indexes route's (the peer's `WriteClock.last`, read by a starting peer). Outrigger's; an Eureka peer neither
 * sends nor reads it, and its copies are ordered by `lastDirtyTimestamp` alone.
 */
export const WRITTEN_AT_FIELD = "outriggerWrittenAt";

/**
 * A stamp more than an hour ahead of this server's clock is refused (400 `REGISTRY_INVALID_FIELD`): a peer whose
 * clock is that far off must be fixed, and a stamp near `Number.MAX_SAFE_INTEGER` would leave no room for the
 * writes after it (a hybrid logical clock's bound on clock offset, Kulkarni et al. 2014, "ε").
 */
export const MAX_STAMP_AHEAD_MS = 3_600_000;

/**
 * The registry's hybrid logical clock of writes (ms): a local write is stamped with the wall clock, but always above
 * every stamp this server has made or received, so a write made after seeing another orders after it even when this
 * server's clock is behind the other's; concurrent writes on two peers order by their clocks.
 */
export class WriteClock {
  readonly #clock: Clock;
  #last = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The highest stamp made or received (0 before any). */
  get last(): number {
    return this.#last;
  }

  /** The stamp of a write made now. */
  next(): number {
    this.#last = Math.max(this.#clock.now(), this.#last + 1);
    return this.#last;
  }

  /**
   * Takes a stamp received from a peer (with a copy, or its clock at a start-up sync); undefined passes. Throws
   * REGISTRY_INVALID_FIELD for one that is not a whole number ≥ 0 or is more than `MAX_STAMP_AHEAD_MS` ahead.
   */
  observe(stamp: number | undefined): void {
    if (stamp === undefined) return;
    const now = this.#clock.now();
    if (!Number.isSafeInteger(stamp) || stamp < 0 || stamp > now + MAX_STAMP_AHEAD_MS) {
      throw new RegistryError(
        "REGISTRY_INVALID_FIELD",
        `${WRITTEN_AT_FIELD} ${stamp} is not a time in ms within ${MAX_STAMP_AHEAD_MS} ms of this server's clock (${now}): check the sending peer's clock`,
      );
    }
    if (stamp > this.#last) this.#last = stamp;
  }
}

/** `WRITTEN_AT_FIELD` of a task, answer or indexes body: undefined when absent, NaN when not a number (`observe` refuses it). */
export function readWrittenAt(value: unknown): number | undefined {
  const raw = (value as Record<string, unknown> | null | undefined)?.[WRITTEN_AT_FIELD];
  return raw === undefined ? undefined : typeof raw === "number" ? raw : Number.NaN;
}

/** What decides between two copies stamped alike: every field a server-side write changes, in a fixed order. */
function contentKey(info: InstanceInfo): string {
  const metadata = Object.entries(info.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([info.status, info.overriddenStatus, metadata]);
}

/**
 * True when a peer's copy of an instance, with the same `lastDirtyTimestamp` as ours, was written before ours and
 * must be refused (a 409 with ours, which the peer adopts). Server-side writes (status overrides, metadata) keep
 * the client's dirty timestamp, as Eureka's `statusUpdate` does (`setStatusWithoutDirty`), so two peers changing
 * one instance within a replication's trip used to apply each other's copy and swap: each ended with the other's
 * value for good (the kind of Netflix/eureka#908, "overriding status does not replicate", seen between peers). The
 * later stamp wins on both; equal stamps fall to the content (status, override, metadata), so both peers keep the
 * same copy. A copy without a stamp (an Eureka peer's, a start-up copy) is never refused for it.
 */
export function replicaLoses(existing: Lease, incoming: InstanceInfo, incomingAt: number | undefined): boolean {
  const ours = existing.writtenAt;
  if (ours === undefined || incomingAt === undefined) return false;
  if (ours !== incomingAt) return ours > incomingAt;
  return contentKey(existing.info) > contentKey(incoming);
}
