import { buildApp, DEFAULT_BODY_LIMIT } from "./app.js";
import type { ConnectionLimits } from "./connection-limits.js";
import { Evictor } from "./evictor.js";
import { DEFAULT_LEASE_DURATION_MS, Registry } from "./registry.js";
import { Replicator } from "./replication/replicator.js";
import { SelfPreservation } from "./self-preservation.js";

/** Settings of a running registry server. */
export interface ServerOptions extends ConnectionLimits {
  readonly port?: number;
  readonly host?: string;
  readonly defaultLeaseDurationMs?: number;
  /** How often expired leases are evicted (Eureka: 60 s). */
  readonly evictionIntervalMs?: number;
  readonly bodyLimit?: number;
  readonly logLevel?: string | false;
  /** Peer registries (their `/eureka` URLs) to replicate to and sync from. */
  readonly peers?: readonly string[];
  /** Bearer token required on writes (and sent to peers). */
  readonly token?: string;
  /** Require the token on reads too. */
  readonly protectReads?: boolean;
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
  });
  const replicator = new Replicator(registry, {
    peers: options.peers ?? [],
    ...(options.token ? { token: options.token } : {}),
  });
  const app = buildApp({
    registry,
    selfPreservation,
    evictor,
    peers: () => replicator.peers(),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logLevel: options.logLevel ?? false,
    ...(options.token ? { token: options.token } : {}),
    ...(options.protectReads ? { protectReads: true } : {}),
    limits: options,
    ...(options.checkDeregisterMinMs !== undefined
      ? { consul: { minDeregisterMs: options.checkDeregisterMinMs } }
      : {}),
  });
  const host = options.host ?? "127.0.0.1";
  await app.listen({ port: options.port ?? 8761, host });
  const synced = await replicator.syncFromPeers();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 8761);
  const timer = setInterval(() => evictor.run(), options.evictionIntervalMs ?? DEFAULT_EVICTION_INTERVAL_MS);
  timer.unref();
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${port}`,
    port,
    registry,
    synced,
    async close() {
      clearInterval(timer);
      replicator.close();
      selfPreservation.close();
      await app.close();
    },
  };
}
