import type { EurekaInstanceJson } from "../eureka-codec.js";

/** Eureka's batch actions; status and metadata changes travel as a `Register` carrying the whole instance. */
export type ReplicationAction = "Register" | "Heartbeat" | "Cancel";

/** One replicated write, in the shape of Eureka's `/peerreplication/batch` list items. */
export interface ReplicationTask {
  readonly action: ReplicationAction;
  readonly appName: string;
  readonly id: string;
  readonly lastDirtyTimestamp: number;
  readonly status: string;
  readonly overriddenStatus: string;
  readonly instanceInfo?: EurekaInstanceJson;
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
