import type { ConsulAgent } from "../consul/agent.js";
import { CONSUL_METADATA } from "../consul/mapping.js";
import type { InstanceInfo } from "../instance-info.js";
import type { Registry } from "../registry.js";
import type { Lease } from "../registry-types.js";

/** Settings of Consul-service ownership across peers. */
export interface OwnershipOptions {
  /** This node's name, stamped on the services its agent registers (`consul.node` metadata). */
  readonly node: string;
  /**
   * How long a peer waits without a renewal from a service's owning node before it reports the service critical
   * (default 30 s: three of the owner's renewals, Eureka's ratio of lease to renewal interval).
   */
  readonly ownerTimeoutMs?: number;
}

/** 30 s: three missed owner renewals (sent every 10 s), as Eureka's 90 s lease covers three 30 s renewals. */
export const DEFAULT_OWNER_TIMEOUT_MS = 30_000;

/** The metadata value a peer sets on a service whose owner is gone, beside a critical `consul.checkStatus`. */
export const OWNER_GONE_NOTE = "owning registry node unreachable";

const ownerOf = (info: InstanceInfo): string | undefined => info.metadata[CONSUL_METADATA.node];

/**
 * Services registered through the Consul API belong to the node whose agent runs their checks, as in Consul, where
 * a service belongs to the agent it was registered with (hashicorp/consul `agent/local/state.go`,
 * `updateSyncState`: the agent's local state is the truth; a service the catalog lists for this node that the
 * local state does not have "has been deregistered" and is marked for deletion from the catalog).
 *
 * - The owner renews each of its services every third of the timeout; the renewals replicate as Eureka heartbeats.
 * - A peer that hears no renewal for `ownerTimeoutMs` reports the service DOWN/critical (not UP with a ten-year
 *   lease), as Consul marks a failed node's services critical through its `serfHealth` check, and restores it on
 *   the owner's next renewal or registration. These marks are never replicated and never move
 *   `lastDirtyTimestamp`, so the owner's copy always wins.
 * - A node that finds a service stamped with its own name that its agent does not run (it restarted and lost its
 *   state, or the owner removed it while a peer was away) removes it and replicates the removal, as anti-entropy
 *   deletes catalog entries the local state no longer has. The application's next `check/pass` gets 404 and it
 *   registers again, as with a Consul agent restarted without its data directory.
 */
export class ConsulOwnership {
  readonly #registry: Registry;
  readonly #agent: ConsulAgent;
  readonly #node: string;
  readonly #timeoutMs: number;
  /** Services this node marked critical, with what the owner last said, to restore on its next renewal. */
  readonly #marked = new Map<string, InstanceInfo>();
  readonly #timer: NodeJS.Timeout;
  readonly #stops: (() => void)[];
  #marking = false;

  constructor(registry: Registry, agent: ConsulAgent, options: OwnershipOptions) {
    this.#registry = registry;
    this.#agent = agent;
    this.#node = options.node;
    this.#timeoutMs = options.ownerTimeoutMs ?? DEFAULT_OWNER_TIMEOUT_MS;
    this.#timer = setInterval(() => this.tick(), this.#timeoutMs / 3);
    this.#timer.unref();
    this.#stops = [
      registry.onRenew(({ lease, origin }) => {
        if (origin === "replication") this.#restore(lease);
      }),
      registry.onChange((change) => {
        if (this.#marking) return;
        const key = `${change.lease.info.app}/${change.lease.info.instanceId}`;
        // The owner sent a new copy (or it is gone): nothing to restore any more.
        this.#marked.delete(key);
        if (change.origin === "replication" && change.action !== "DELETED") this.#dropIfOrphaned(change.lease);
      }),
    ];
  }

  /** This node's name, which its agent stamps on the services it owns. */
  get node(): string {
    return this.#node;
  }

  /**
   * One round: renew what this node owns (so peers hear it is alive), mark critical what a silent owner left, and
   * remove services stamped with this node's name that its agent does not run. The timer calls it.
   */
  tick(now = this.#registry.clock.now()): void {
    for (const service of this.#agent.services()) {
      this.#registry.renew(service.definition.name, service.definition.id);
    }
    for (const leases of this.#registry.applications().values()) {
      for (const lease of leases) {
        const owner = ownerOf(lease.info);
        if (owner === undefined) continue;
        if (owner === this.#node) this.#dropIfOrphaned(lease);
        else if (now - lease.lastRenewedAt > this.#timeoutMs) this.#mark(lease);
      }
    }
  }

  /** Stops the timer and the listeners. */
  close(): void {
    clearInterval(this.#timer);
    for (const stop of this.#stops) stop();
  }

  #dropIfOrphaned(lease: Lease): void {
    const { info } = lease;
    if (ownerOf(info) !== this.#node || this.#agent.serviceOf(info.app, info.instanceId)) return;
    // "local": the removal replicates, so peers drop the stale copy too.
    this.#registry.cancel(info.app, info.instanceId, "local");
  }

  #mark(lease: Lease): void {
    const { info } = lease;
    const key = `${info.app}/${info.instanceId}`;
    if (this.#marked.has(key)) return;
    this.#marked.set(key, info);
    this.#write(info.app, info.instanceId, (current) => {
      const metadata: Record<string, string> = Object.create(null);
      Object.assign(metadata, current.metadata);
      metadata[CONSUL_METADATA.checkStatus] = "critical";
      metadata[CONSUL_METADATA.checkNote] = OWNER_GONE_NOTE;
      return { ...current, status: "DOWN", metadata };
    });
  }

  #restore(lease: Lease): void {
    const key = `${lease.info.app}/${lease.info.instanceId}`;
    const original = this.#marked.get(key);
    if (!original) {
      // A copy another peer marked (this node synced it from that peer) while its owner is alive: drop it, so the
      // owner's next heartbeat is answered 404 and it sends its whole registration again.
      if (lease.info.metadata[CONSUL_METADATA.checkNote] === OWNER_GONE_NOTE) {
        this.#registry.cancel(lease.info.app, lease.info.instanceId, "replication");
      }
      return;
    }
    this.#marked.delete(key);
    this.#write(original.app, original.instanceId, () => original);
  }

  /** A change of this node's own making: origin `replication`, so it is neither forwarded nor stamped dirty. */
  #write(app: string, id: string, change: (info: InstanceInfo) => InstanceInfo): void {
    this.#marking = true;
    try {
      this.#registry.update(app, id, change, "replication");
    } finally {
      this.#marking = false;
    }
  }
}
