import type { EurekaInstanceJson } from "../eureka-codec.js";
import type { PolicyRecord } from "../policy/store.js";

/**
 * Eureka's batch actions; status and metadata changes travel as a `Register` carrying the whole instance. `Policy`
 * is Outrigger's: a service's traffic-policy record (`policy`), keyed by `POLICY_TASK_ID` (Eureka peers refuse it).
 */
export type ReplicationAction = "Register" | "Heartbeat" | "Cancel" | "Policy";

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

/**
 * Header on a replication batch and its answer carrying the sender's (or receiver's) registry index; each side
 * raises its own to it, so peers share one never-decreasing index. Eureka peers ignore it.
 */
export const INDEX_HEADER = "x-outrigger-index";
