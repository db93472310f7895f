import type { Clock } from "../clock.js";
import type { PeerStatus } from "../context.js";
import type { Registry } from "../registry.js";
import type { ConsulAgent } from "./agent.js";
import type { ConsulIndex } from "./consul-index.js";
import type { NodeIdentity } from "./node.js";

/** What the Consul routes share: the registry both protocols write to, the agent running Consul checks. */
export interface ConsulContext {
  readonly registry: Registry;
  readonly agent: ConsulAgent;
  readonly clock: Clock;
  /** Source of blocking-query jitter; injectable so tests can pin it. */
  readonly random: () => number;
  /** Floor of a check's `DeregisterCriticalServiceAfter` in ms (Consul's `check_deregister_interval_min`, 1m). */
  readonly minDeregisterMs?: number;
  /** The node this registry presents itself as. */
  readonly node: NodeIdentity;
  /** The `X-Consul-Index` values and the change signal blocking queries wait on. */
  readonly index: ConsulIndex;
  /** The registry's replication peers, listed as members. */
  readonly peers: () => readonly PeerStatus[];
}
