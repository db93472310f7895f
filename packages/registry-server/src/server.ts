import { hostname } from "node:os";
import { buildApp, DEFAULT_BODY_LIMIT } from "./app.js";
import type { ConnectionLimits } from "./connection-limits.js";
import { ConsulAgent } from "./consul/agent.js";
import { RegistryError } from "./errors.js";
import { Evictor } from "./evictor.js";
import { PolicyDir, type PolicyDirEvent } from "./policy/policy-dir.js";
import { createPolicyService } from "./policy/policy-service.js";
import { syncPoliciesFromPeers } from "./policy/replication.js";
import { ReadGate } from "./read-gate.js";
import { Registry } from "./registry.js";
import { DEFAULT_LEASE_DURATION_MS } from "./registry-defaults.js";
import { ConsulOwnership } from "./replication/ownership.js";
import { Replicator } from "./replication/replicator.js";
import { SelfPreservation } from "./self-preservation.js";
import { type KeyPair, readKeyPair, TlsFiles } from "./tls-files.js";

/** Settings of a running registry server. */
export interface ServerOptions extends ConnectionLimits {
  readonly port?: number;
  readonly host?: string;
  readonly defaultLeaseDurationMs?: number;
  /** How often expired leases are evicted (Eureka: 60 s). */
  readonly evictionIntervalMs?: number;
  /**
   * How long registry reads are refused after a start whose sync copied no instance (no peer, or none answered),
   * in ms (Eureka's `waitTimeInMsWhenSyncEmpty`: 5 min there; default 0 here, as Spring Cloud's standalone
   * server). Give a lone registry one renewal interval or more (e.g. 40 000) so that clients keep their caches
   * across its restart while instances re-register. Reads are refused during the sync from peers either way.
   */
  readonly waitTimeInMsWhenSyncEmpty?: number;
  readonly bodyLimit?: number;
  readonly logLevel?: string | false;
  /** Peer registries (their `/eureka` URLs) to replicate to and sync from. */
  readonly peers?: readonly string[];
  /** The write token (write and read scope; sent to peers). With any token set, every route needs one. */
  readonly token?: string;
  /** A token that may only read. */
  readonly readToken?: string;
  /** Let requests without a token read (fetch, watch, dashboard, metrics, Consul queries); default off. */
  readonly anonymousRead?: boolean;
  /** How long peers wait for an owner's renewal before reporting its Consul services critical (default 30 s). */
  readonly ownerTimeoutMs?: number;
  /** @deprecated Reads need a token by default now; kept so old scripts still start. Ignored. */
  readonly protectReads?: boolean;
  /** PEM certificate (chain) to serve HTTPS with; needs `tlsKey`. Reloaded when the file changes. */
  readonly tlsCert?: string;
  /** PEM private key of `tlsCert`. */
  readonly tlsKey?: string;
  /** How often the TLS files are checked for a change, in ms (default 2 000). */
  readonly tlsWatchIntervalMs?: number;
  /** Called after a changed certificate was loaded (`undefined`) or failed to load (the error; the old one stays). */
  readonly onTlsReload?: (error?: Error) => void;
  /** Eureka's self-preservation (default on). */
  readonly selfPreservation?: boolean;
  /** Fraction of expected renews below which self-preservation starts (default 0.85); also sets the eviction cap. */
  readonly renewalPercentThreshold?: number;
  /** Do not evict from an application whose live share is below this fraction (default 0: off). */
  readonly protectionThreshold?: number;
  /** Most changes the `apps/delta` window holds (default 10 000); the oldest go first. */
  readonly maxDeltaEntries?: number;
  /** Floor of a Consul check's `DeregisterCriticalServiceAfter` in ms (default 60 000, Consul's minimum). */
  readonly checkDeregisterMinMs?: number;
  /**
   * This node's name: the Consul API's node (default: the host name, as Consul) and the owner stamped on the
   * services registered through its Consul API so peers know their owner (default `<hostname>:<port>`, so peers
   * sharing a host stay distinct; stable across restarts on the same port). Give each peer its own.
   */
  readonly nodeName?: string;
  /** The address the Consul API reports for this node (default: `host`, or a private address when it is 0.0.0.0). */
  readonly advertise?: string;
  /** GitOps mode: a directory of policy YAML files (a ConfigMap mount) applied at start and on every change. */
  readonly policyDir?: string;
  /** Called with what the policy directory's watcher applied or refused (a refused file names its path). */
  readonly onPolicyDirEvent?: (event: PolicyDirEvent) => void;
}

/** A listening registry server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  /** Instances copied from a peer at start. */
  readonly synced: number;
  close(): Promise<void>;
}

/** Eureka's eviction interval. */
export const DEFAULT_EVICTION_INTERVAL_MS = 60_000;

/** Starts a registry server, its eviction timer and replication; resolves once it listens and has synced. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const wait = options.waitTimeInMsWhenSyncEmpty ?? 0;
  if (!(Number.isFinite(wait) && wait >= 0)) {
    throw new RegistryError(
      "REGISTRY_INVALID_OPTION",
      `waitTimeInMsWhenSyncEmpty must be a number of ms, 0 or more, got ${String(wait)}: 0 serves reads at once`,
    );
  }
  const tls = tlsFilesOf(options);
  const firstPair = tls ? readKeyPair(tls) : undefined;
  const registry = new Registry({
    defaultLeaseDurationMs: options.defaultLeaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
    ...(options.maxDeltaEntries !== undefined ? { maxDeltaEntries: options.maxDeltaEntries } : {}),
  });
  const selfPreservation = new SelfPreservation(registry, {
    enabled: options.selfPreservation ?? true,
    ...(options.renewalPercentThreshold !== undefined
      ? { renewalPercentThreshold: options.renewalPercentThreshold }
      : {}),
  });
  const evictor = new Evictor(registry, {
    selfPreservation,
    ...(options.renewalPercentThreshold !== undefined
      ? { renewalPercentThreshold: options.renewalPercentThreshold }
      : {}),
    ...(options.protectionThreshold !== undefined ? { protectionThreshold: options.protectionThreshold } : {}),
    evictionIntervalMs: options.evictionIntervalMs ?? DEFAULT_EVICTION_INTERVAL_MS,
  });
  const policies = createPolicyService(registry);
  const replicator = new Replicator(registry, {
    policies: policies.store,
    peers: options.peers ?? [],
    ...(options.token ? { token: options.token } : {}),
  });
  const host = options.host ?? "127.0.0.1";
  // Ownership needs a name unique among peers; without --node-name, host:port is (several peers may share a host).
  let node: string | undefined;
  const agent = new ConsulAgent({ registry, node: () => node });
  const readGate = new ReadGate(registry.clock);
  // Closed from the first connection: a read before the peers' copy has landed would be a partial registry.
  if ((options.peers ?? []).length > 0) readGate.syncing();
  const app = buildApp({
    registry,
    readGate,
    consul: {
      agent,
      node: {
        ...(options.nodeName ? { name: options.nodeName } : {}),
        ...(options.advertise ? { address: options.advertise } : {}),
        bindAddress: host,
      },
      ...(options.checkDeregisterMinMs !== undefined ? { minDeregisterMs: options.checkDeregisterMinMs } : {}),
    },
    selfPreservation,
    evictor,
    policies,
    peers: () => replicator.peers(),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logLevel: options.logLevel ?? false,
    ...(options.token ? { token: options.token } : {}),
    ...(options.readToken ? { readToken: options.readToken } : {}),
    ...(options.anonymousRead ? { anonymousRead: true } : {}),
    ...(firstPair ? { https: firstPair } : {}),
    limits: options,
  });
  const watcher = tls ? watchTls(app.server as unknown as SecureServer, tls, options.onTlsReload) : undefined;
  await app.listen({ port: options.port ?? 8761, host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 8761);
  node = options.nodeName ?? `${hostname()}:${port}`;
  // Before the sync: a copy of a service this node owned before a restart is removed as it arrives.
  const ownership = new ConsulOwnership(registry, agent, {
    node,
    ...(options.ownerTimeoutMs !== undefined ? { ownerTimeoutMs: options.ownerTimeoutMs } : {}),
  });
  const synced = await replicator.syncFromPeers();
  readGate.synced(synced, wait);
  await syncPoliciesFromPeers(policies.store, options.peers ?? [], options.token);
  // After the peers' copy: a file that says something else is then a newer revision, replicated back to them.
  const policyDir = options.policyDir
    ? new PolicyDir({
        dir: options.policyDir,
        store: policies.store,
        ...(options.onPolicyDirEvent ? { onEvent: options.onPolicyDirEvent } : {}),
      })
    : undefined;
  // Files written just before start are waited for (their settle window), so they apply before the first request.
  await policyDir?.scanSettled();
  const timer = setInterval(() => evictor.run(), options.evictionIntervalMs ?? DEFAULT_EVICTION_INTERVAL_MS);
  timer.unref();
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${tls ? "https" : "http"}://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${port}`,
    port,
    registry,
    synced,
    async close() {
      clearInterval(timer);
      watcher?.close();
      policyDir?.close();
      ownership.close();
      replicator.close();
      selfPreservation.close();
      await app.close();
      agent.close();
      policies.close();
    },
  };
}

/** The part of an HTTPS server that swaps certificates. */
interface SecureServer {
  setSecureContext(pair: KeyPair): void;
}

function tlsFilesOf(options: ServerOptions): ConstructorParameters<typeof TlsFiles>[0] | undefined {
  if (!options.tlsCert && !options.tlsKey) return undefined;
  if (!options.tlsCert || !options.tlsKey) {
    throw new RegistryError("REGISTRY_INVALID_OPTION", "--tls-cert and --tls-key go together: give both or neither");
  }
  return {
    certFile: options.tlsCert,
    keyFile: options.tlsKey,
    ...(options.tlsWatchIntervalMs !== undefined ? { watchIntervalMs: options.tlsWatchIntervalMs } : {}),
  };
}

/** Serves each rotated certificate to new connections; established ones keep theirs. */
function watchTls(
  server: SecureServer,
  files: ConstructorParameters<typeof TlsFiles>[0],
  onReload: ServerOptions["onTlsReload"],
): TlsFiles {
  return new TlsFiles(
    files,
    (pair) => {
      server.setSecureContext(pair);
      onReload?.();
    },
    (error) => onReload?.(error),
  );
}
