import type { PeerStatus } from "../context.js";
import { toEurekaInstance } from "../eureka-codec.js";
import { parseRegistration } from "../instance-info.js";
import type { PolicyStore } from "../policy/store.js";
import type { Registry } from "../registry.js";
import type { Lease } from "../registry-types.js";
import { readWrittenAt, WRITTEN_AT_FIELD } from "../write-order.js";
import { appIndexesOf, mergeAppIndexes } from "./app-indexes.js";
import { PeerNode } from "./peer-node.js";
import {
  INDEXES_PATH,
  POLICY_TASK_ID,
  type ReplicationAction,
  type ReplicationResult,
  type ReplicationTask,
  readAppIndexes,
} from "./task.js";

/** Settings of peer replication. */
export interface ReplicatorOptions {
  readonly peers: readonly string[];
  /** Sent as a bearer token to peers that require one. */
  readonly token?: string;
  readonly batchDelayMs?: number;
  /** Traffic policies to replicate with the instances (local changes go to every peer as a `Policy` task). */
  readonly policies?: PolicyStore;
}

/** A peer that does not answer the start-up sync within 3 s is skipped; the next peer is tried. */
const SYNC_TIMEOUT_MS = 3_000;

function toTask(action: ReplicationAction, lease: Lease): ReplicationTask {
  const { info } = lease;
  return {
    action,
    appName: info.app,
    id: info.instanceId,
    lastDirtyTimestamp: info.lastDirtyTimestamp,
    status: info.status,
    overriddenStatus: info.overriddenStatus,
    ...(action === "Register" ? { instanceInfo: toEurekaInstance(lease) } : {}),
    ...(action !== "Heartbeat" && lease.writtenAt !== undefined ? { [WRITTEN_AT_FIELD]: lease.writtenAt } : {}),
  };
}

/**
 * Replicates local writes (register, renew, cancel, status, metadata) to every peer, as Eureka's
 * `PeerEurekaNodes` do. Writes that came from a peer or from eviction are not forwarded: each peer evicts for itself.
 */
export class Replicator {
  readonly #registry: Registry;
  readonly #options: ReplicatorOptions;
  readonly #nodes: PeerNode[];
  readonly #stops: (() => void)[];

  constructor(registry: Registry, options: ReplicatorOptions) {
    this.#registry = registry;
    this.#options = options;
    this.#nodes = options.peers.map(
      (url) =>
        new PeerNode(url, {
          ...(options.token ? { token: options.token } : {}),
          ...(options.batchDelayMs !== undefined ? { batchDelayMs: options.batchDelayMs } : {}),
          onResult: (task, result) => this.#onResult(url, task, result),
          index: () => registry.version,
          onIndex: (index) => registry.mergeIndex(index),
          appIndexes: (apps) => appIndexesOf(registry, apps),
          onAppIndexes: (indexes) => mergeAppIndexes(registry, indexes),
        }),
    );
    if (options.peers.length > 0) registry.joinCluster();
    this.#stops = [
      registry.onChange((change) => {
        // Each peer evicts for itself and numbers the eviction itself: its index of the application goes to the
        // peers, which keep the higher one, so a client bouncing between them never sees it go back.
        if (change.origin === "eviction") this.#announce(change.lease.info.app);
        if (change.origin !== "local") return;
        this.#broadcast(toTask(change.action === "DELETED" ? "Cancel" : "Register", change.lease));
      }),
      // A lease end moved an application's index here (Consul's health of it changed); peers take the higher.
      registry.onTouch((app) => this.#announce(app)),
      registry.onRenew((event) => {
        // Checked here too: building a task per renew costs at 20 000 renews/s when there is no peer to send it to.
        if (event.origin === "local" && this.#nodes.length > 0) this.#broadcast(toTask("Heartbeat", event.lease));
      }),
      options.policies?.onChange(({ record, origin }) => {
        if (origin !== "local") return;
        this.#broadcast({
          action: "Policy",
          appName: record.service,
          id: POLICY_TASK_ID,
          lastDirtyTimestamp: record.updatedAt,
          status: "",
          overriddenStatus: "",
          policy: record,
        });
      }) ?? (() => {}),
    ];
  }

  /** Each peer's replication health. */
  peers(): readonly PeerStatus[] {
    return this.#nodes.map((node) => node.status());
  }

  /**
   * Copies the registry of the first peer that answers, so a (re)started server serves the cluster's view at once.
   * Returns how many instances it copied (0 when no peer answered).
   */
  async syncFromPeers(): Promise<number> {
    for (const url of this.#options.peers) {
      try {
        const body = (await this.#get(url, "/apps")) as {
          applications?: { versions__delta?: string; application?: { name: string; instance: unknown[] }[] };
        };
        let copied = 0;
        for (const app of body.applications?.application ?? []) {
          for (const instance of app.instance) {
            try {
              this.#registry.register(
                parseRegistration({ instance }, app.name, this.#registry.clock.now()),
                "replication",
              );
              copied += 1;
            } catch {
              // A copy this registry refuses (a number out of range, from a peer that took it): skip it alone.
            }
          }
          // The copies were numbered here, in our order: the peers take our index of the app where it is higher.
          this.#announce(app.name);
        }
        // The peer's indexes, asked after its registry was copied so none is below the content copied: each
        // application takes the peer's own index of it (a client that read the peer is held here, not answered
        // again, and never answered lower). A peer without the route (an Eureka server) gives its version only.
        this.#registry.mergeIndex(Number(body.applications?.versions__delta));
        const indexes = await this.#get(url, INDEXES_PATH).catch(() => ({}));
        mergeAppIndexes(this.#registry, readAppIndexes(indexes));
        // Our writes from now on order after every write the peer made or saw, whose copies we hold unstamped.
        this.#observe(readWrittenAt(indexes));
        return copied;
      } catch {
        // This peer is down or answered nonsense: try the next one.
      }
    }
    return 0;
  }

  /** Stops replicating. */
  close(): void {
    for (const stop of this.#stops) stop();
    for (const node of this.#nodes) node.close();
  }

  async #get(url: string, path: string): Promise<unknown> {
    const response = await fetch(`${url.replace(/\/+$/, "")}${path}`, {
      headers: {
        accept: "application/json",
        ...(this.#options.token ? { authorization: `Bearer ${this.#options.token}` } : {}),
      },
      signal: AbortSignal.timeout(SYNC_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`peer answered ${response.status}`);
    return response.json();
  }

  /** Takes a peer's write clock; one our clock refuses (see `WriteClock.observe`) is left out. */
  #observe(stamp: number | undefined): void {
    try {
      this.#registry.writeClock.observe(stamp);
    } catch {
      // The peer's clock is off: its copies' stamps are refused one by one, each with a 400 that says so.
    }
  }

  #announce(app: string): void {
    for (const node of this.#nodes) node.announce(app);
  }

  #broadcast(task: ReplicationTask): void {
    if (this.#nodes.length === 0) return;
    for (const node of this.#nodes) node.enqueue(task);
  }

  #onResult(url: string, task: ReplicationTask, result: ReplicationResult): void {
    const node = this.#nodes.find((n) => n.url === url.replace(/\/+$/, ""));
    if (task.action === "Heartbeat" && result.statusCode === 404) {
      // The peer lost the instance (or holds an older copy): send the whole registration, as Eureka does.
      const lease = this.#registry.get(task.appName, task.id);
      if (lease) node?.enqueue(toTask("Register", lease));
    } else if (task.action !== "Cancel" && result.statusCode === 409) {
      // The peer's copy is newer (Eureka's lastDirtyTimestamp rule), for a heartbeat or a registration (status and
      // metadata travel as registrations): the peer kept its copy; adopt it without replicating it back.
      const instance = (result.responseEntity as { instance?: unknown } | undefined)?.instance;
      if (instance) {
        try {
          const copy = parseRegistration({ instance }, task.appName, this.#registry.clock.now());
          const stamp = readWrittenAt(result.responseEntity);
          // Cancelled here since the peer's copy was written: it stays cancelled (the peer hears our Cancel).
          if (this.#registry.registerChecked(copy, "replication", stamp).kind === "cancelled") return;
        } catch {
          // A copy this registry refuses (a field Eureka's rules refuse, from a peer that took it) or a stamp our
          // write clock refuses (the peer's clock is off by more than an hour): keep ours; the peer's own writes
          // are refused here with a 400 that says so.
          return;
        }
        // Adopted here only, so numbered here only: the peers take our index of it.
        this.#announce(task.appName);
      }
    }
  }
}
