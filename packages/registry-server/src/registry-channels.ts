import { channel } from "node:diagnostics_channel";
import type { IncomingHttpHeaders } from "node:http";
import type { WriteOrigin } from "./registry-types.js";

/**
 * The registry's `diagnostics_channel` channels, for tracing (@outrigger/telemetry makes spans from them; nothing
 * is built while nobody subscribes). Each message of a served request carries its headers (a subscriber extracts
 * the caller's trace context) and its start, `startedAt`, as `performance.now()` milliseconds.
 */
export const registryChannels = {
  /** `RegisterMessage`, once a registration was answered. */
  register: channel("outrigger:registry:register"),
  /** `ReplicationReceivedMessage`, once a peer's batch was applied. */
  replicationReceived: channel("outrigger:registry:replication:received"),
  /** `ReplicationSendMessage`, before a batch goes to a peer: `headers` go with it (a subscriber injects there). */
  replicationSend: channel("outrigger:registry:replication:send"),
  /** `ReplicationSentMessage`, once the peer answered the batch or it failed. */
  replicationSent: channel("outrigger:registry:replication:sent"),
  /** `WatchMessage`, when a watch is answered (a change, or the end of its wait). */
  watch: channel("outrigger:registry:watch"),
} as const;

/**
 * A registration answered: `outcome` "ok", "conflict" (a peer's copy older than ours, answered 409) or
 * "cancelled" (a peer's copy written before our cancel of the instance, answered 404).
 */
export interface RegisterMessage {
  readonly app: string;
  readonly id: string;
  /** Who wrote: a client ("local") or a peer ("replication"), as the registry records the write. */
  readonly origin: WriteOrigin;
  readonly outcome: "ok" | "conflict" | "cancelled";
  readonly headers: IncomingHttpHeaders;
  readonly startedAt: number;
}

/** A peer's replication batch applied here: its tasks by action, and how many were not answered 2xx. */
export interface ReplicationReceivedMessage {
  readonly tasks: number;
  readonly actions: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly headers: IncomingHttpHeaders;
  readonly startedAt: number;
}

/** A replication batch about to go to `peer` (its origin, never its credentials). */
export interface ReplicationSendMessage {
  readonly peer: string;
  readonly tasks: number;
  readonly headers: Record<string, string>;
  readonly startedAt: number;
}

/** The end of a batch sent: the peer's HTTP status, or the error (the batch is kept and sent again). */
export interface ReplicationSentMessage {
  readonly send: ReplicationSendMessage;
  readonly status: number | undefined;
  readonly error: unknown;
}

/** A watch answered: the index asked for, the one answered (`changed` when it moved past it). */
export interface WatchMessage {
  readonly app: string;
  readonly index: number;
  readonly answeredIndex: number;
  readonly changed: boolean;
  readonly headers: IncomingHttpHeaders;
  readonly startedAt: number;
}

/** The origin (`http://host:port`) of a peer URL: what a span may name, without its path or credentials. */
export function peerOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "invalid";
  }
}

/** Publishes a batch about to be sent (undefined, and nothing built, when nobody listens). */
export function traceSend(peerUrl: string, tasks: number): ReplicationSendMessage | undefined {
  if (!registryChannels.replicationSend.hasSubscribers && !registryChannels.replicationSent.hasSubscribers)
    return undefined;
  const message: ReplicationSendMessage = {
    peer: peerOrigin(peerUrl),
    tasks,
    headers: {},
    startedAt: performance.now(),
  };
  registryChannels.replicationSend.publish(message);
  return message;
}

/** Publishes the end of a traced batch (no-op for an untraced one). */
export function endSend(send: ReplicationSendMessage | undefined, status: number | undefined, error: unknown): void {
  if (send === undefined || !registryChannels.replicationSent.hasSubscribers) return;
  const message: ReplicationSentMessage = { send, status, error };
  registryChannels.replicationSent.publish(message);
}
