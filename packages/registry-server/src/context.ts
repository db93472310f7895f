import type { EventLog } from "./event-log.js";
import type { Evictor } from "./evictor.js";
import type { PolicyService } from "./policy/policy-service.js";
import type { ReadGate } from "./read-gate.js";
import type { Registry } from "./registry.js";
import type { ResponseCache } from "./response-cache.js";
import type { SelfPreservation } from "./self-preservation.js";

/** Replication health of one peer, for `/status`, the dashboard and metrics. */
export interface PeerStatus {
  readonly url: string;
  /** Replication tasks waiting to be sent. */
  readonly pending: number;
  readonly sent: number;
  readonly failures: number;
  /** Age of the oldest unsent task in ms (0 when none waits): how far behind the peer is. */
  readonly lagMs: number;
  readonly lastSuccessAt: number | undefined;
  readonly lastError: string | undefined;
  readonly healthy: boolean;
}

/** What the route plugins share: the registry and the parts built around it. */
export interface ServerContext {
  readonly registry: Registry;
  readonly selfPreservation: SelfPreservation;
  readonly evictor: Evictor;
  readonly events: EventLog;
  readonly cache: ResponseCache;
  readonly peers: () => readonly PeerStatus[];
  readonly startedAt: number;
  /** The control plane (traffic policies and their ACK/NACK reports), when served. */
  readonly policies?: PolicyService;
  /** Whether registry reads are served (closed during the start-up sync from peers), when the server has one. */
  readonly readGate?: ReadGate;
}
