import type { EurekaInstanceJson } from "../eureka-codec.js";
import type { PolicyRecord } from "../policy/store.js";

/**
 * Eureka's batch actions. Outrigger peers send status and metadata changes as a `Register` carrying the whole
 * instance; an Eureka peer sends a status override as `StatusUpdate` and its removal as `DeleteStatusOverride`
 * (`status`: the new status), which are received. `Policy` is Outrigger's: a service's traffic-policy record
 * (`policy`), keyed by `POLICY_TASK_ID` (Eureka peers refuse it).
 */
export type ReplicationAction =
  | "Register"
  | "Heartbeat"
  | "Cancel"
  | "StatusUpdate"
  | "DeleteStatusOverride"
  | "Policy";

/** The task id of a policy task: not a valid Eureka instance id, so it never shares a queue slot with an instance. */
export const POLICY_TASK_ID = "~policy";

/** One replicated write, in the shape of Eureka's `/peerreplication/batch` list items. */
export interface ReplicationTask {
  readonly action: ReplicationAction;
  readonly appName: string;
  readonly id: string;
  readonly lastDirtyTimestamp: number;
  readonly status: string;
  readonly overriddenStatus: string;
  readonly instanceInfo?: EurekaInstanceJson;
  /** A `Register`'s write stamp (`Lease.writtenAt`, see `write-order.ts`); Outrigger's, Eureka peers ignore it. */
  readonly outriggerWrittenAt?: number;
  /** The policy record of a `Policy` task. */
  readonly policy?: PolicyRecord;
}

/** A peer's answer to one task: the HTTP status it would have given, and for a 409 its own copy. */
export interface ReplicationResult {
  readonly statusCode: number;
  readonly responseEntity?: unknown;
}

/** The path of Eureka's batch endpoint, under `/eureka`. */
export const BATCH_PATH = "/peerreplication/batch";

/** Outrigger's route (under `/eureka`) answering a registry's `AppIndexes` of every application, for the start-up sync. */
export const INDEXES_PATH = "/peerreplication/indexes";

/**
 * Header on a replication batch and its answer carrying the sender's (or receiver's) registry index; each side
 * raises its own to it, so peers share one never-decreasing index. Eureka peers ignore it.
 */
export const INDEX_HEADER = "x-outrigger-index";

/**
 * Per-application indexes (upper-cased name → index) sent beside a batch's `replicationList` and in its answer's
 * body. Each side raises its own index of each application to the other's, so two peers holding the same content
 * of an application answer a watch of it with the same index whichever numbered the change: a client bouncing
 * between them is never handed a lower index than one it already had (hashicorp/consul#7939 is that fault with
 * Consul servers answering stale reads). Eureka peers ignore the field.
 */
export type AppIndexes = Record<string, number>;

/** The body field carrying `AppIndexes` on a batch and its answer. */
export const APP_INDEXES_FIELD = "outriggerAppIndexes";

/** The `AppIndexes` in a batch or answer body; empty when absent or malformed (an Eureka peer's). */
export function readAppIndexes(body: unknown): AppIndexes {
  const raw = (body as Record<string, unknown> | null)?.[APP_INDEXES_FIELD];
  const out: AppIndexes = {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return out;
  for (const [app, index] of Object.entries(raw)) if (Number.isSafeInteger(index)) out[app.toUpperCase()] = index;
  return out;
}
