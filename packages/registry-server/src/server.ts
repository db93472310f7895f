import { buildApp, DEFAULT_BODY_LIMIT } from "./app.js";
import { DEFAULT_LEASE_DURATION_MS, Registry } from "./registry.js";

/** Settings of a running registry server. */
export interface ServerOptions {
  readonly port?: number;
  readonly host?: string;
  readonly defaultLeaseDurationMs?: number;
  /** How often expired leases are evicted (Eureka: 60 s). */
  readonly evictionIntervalMs?: number;
  readonly bodyLimit?: number;
  readonly logLevel?: string | false;
}

/** A listening registry server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** Eureka's eviction interval. */
export const DEFAULT_EVICTION_INTERVAL_MS = 60_000;

/** Starts a registry server and its eviction timer; resolves once it listens. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const registry = new Registry({
    defaultLeaseDurationMs: options.defaultLeaseDurationMs ?? DEFAULT_LEASE_DURATION_MS,
  });
  const app = buildApp({
    registry,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logLevel: options.logLevel ?? false,
  });
  const host = options.host ?? "127.0.0.1";
  await app.listen({ port: options.port ?? 8761, host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : (options.port ?? 8761);
  const timer = setInterval(() => registry.evictExpired(), options.evictionIntervalMs ?? DEFAULT_EVICTION_INTERVAL_MS);
  timer.unref();
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost === "0.0.0.0" ? "127.0.0.1" : urlHost}:${port}`,
    port,
    registry,
    async close() {
      clearInterval(timer);
      await app.close();
    },
  };
}
