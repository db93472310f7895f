import type { Server } from "node:http";
import type { Socket } from "node:net";
import { DEFAULT_MAX_DASHBOARD_STREAMS, DEFAULT_MAX_DASHBOARD_STREAMS_PER_IP } from "./dashboard-hub.js";
import { DEFAULT_MAX_LONG_POLLS, DEFAULT_MAX_LONG_POLLS_PER_CLIENT } from "./hooks/long-poll-admission.js";

/** How long and how many: the limits that keep slow and numerous clients from starving heartbeats. */
export interface ConnectionLimits {
  /** A connection must send its first request's headers within this (slowloris, half-open sockets). */
  readonly headersTimeoutMs?: number;
  /** A request's headers and body must arrive within this (a body trickled byte by byte is cut). */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs?: number;
  /** Connections open at once; beyond it new ones are closed at once (keep it below `ulimit -n`). 0: no cap. */
  readonly maxConnections?: number;
  /** Connections open at once from one client address; 0: no cap. */
  readonly maxConnectionsPerIp?: number;
  /** Dashboard event streams open at once (default 64); more get 429. */
  readonly maxDashboardStreams?: number;
  /** Dashboard event streams from one address (default 8); more get 429. */
  readonly maxDashboardStreamsPerIp?: number;
  /** Held long polls (Consul blocking queries, watches, dashboard streams) open at once (default 8 000); 0: no cap. */
  readonly maxLongPolls?: number;
  /** Held long polls from one client (address and token) at once (default 200, Consul's); more get 429. 0: no cap. */
  readonly maxLongPollsPerClient?: number;
}

/** 10 s to send headers: a real client sends them in one packet; a slowloris holds a socket as long as allowed. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** 30 s for a whole request: registrations are a few hundred bytes, the body limit 64 KiB. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** 72 s, fastify's default: longer than the 60 s idle timeout of common load balancers, so they close first. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 72_000;
/** 10 000 connections: room for a large fleet's pooled connections, under a typical 16–64 Ki descriptor limit. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** 1 024 connections per client address: far above one client's pool, and one address cannot take the rest. */
export const DEFAULT_MAX_CONNECTIONS_PER_IP = 1_024;
/** How often Node checks for headers and request timeouts (its default, 30 s, lets a slow socket live 40 s). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The limits with defaults filled in. */
export function resolveLimits(limits: ConnectionLimits = {}): Required<ConnectionLimits> {
  return {
    headersTimeoutMs: limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: limits.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    maxConnectionsPerIp: limits.maxConnectionsPerIp ?? DEFAULT_MAX_CONNECTIONS_PER_IP,
    maxDashboardStreams: limits.maxDashboardStreams ?? DEFAULT_MAX_DASHBOARD_STREAMS,
    maxDashboardStreamsPerIp: limits.maxDashboardStreamsPerIp ?? DEFAULT_MAX_DASHBOARD_STREAMS_PER_IP,
    maxLongPolls: limits.maxLongPolls ?? DEFAULT_MAX_LONG_POLLS,
    maxLongPollsPerClient: limits.maxLongPollsPerClient ?? DEFAULT_MAX_LONG_POLLS_PER_CLIENT,
  };
}

/** Options for `http.createServer` (through fastify's `http` option) that carry the timeouts. */
export function httpServerTimeouts(limits: Required<ConnectionLimits>): {
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
} {
  // Node requires headersTimeout <= requestTimeout when both are set.
  const requestTimeout = limits.requestTimeoutMs;
  const headersTimeout =
    requestTimeout > 0 ? Math.min(limits.headersTimeoutMs, requestTimeout) : limits.headersTimeoutMs;
  return { headersTimeout, requestTimeout, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS };
}

/** What the guard counts, for `/metrics`. */
export interface ConnectionStats {
  /** Connections refused because the total or per-address cap was reached. */
  readonly refused: number;
  /** Connections closed because they sent no complete headers in time. */
  readonly timedOut: number;
}

const firstRequest = Symbol("outrigger.firstRequestTimer");
type Tracked = Socket & { [firstRequest]?: NodeJS.Timeout };

/**
 * Applies the connection caps and the first-headers deadline to a server: Node's `headersTimeout` only starts
 * counting once a byte arrives, so a socket that connects and sends nothing would otherwise stay open for ever.
 * Returns live counters.
 */
export function guardConnections(server: Server, limits: Required<ConnectionLimits>): ConnectionStats {
  const stats = { refused: 0, timedOut: 0 };
  const perIp = new Map<string, number>();
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  server.on("drop", () => {
    stats.refused += 1;
  });
  server.prependListener("connection", (socket: Tracked) => {
    const ip = socket.remoteAddress ?? "";
    const count = (perIp.get(ip) ?? 0) + 1;
    if (limits.maxConnectionsPerIp > 0 && count > limits.maxConnectionsPerIp) {
      stats.refused += 1;
      socket.destroy();
      return;
    }
    perIp.set(ip, count);
    socket.once("close", () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left <= 0) perIp.delete(ip);
      else perIp.set(ip, left);
      clearTimeout(socket[firstRequest]);
    });
    if (limits.headersTimeoutMs > 0) {
      socket[firstRequest] = setTimeout(() => {
        stats.timedOut += 1;
        socket.destroy();
      }, limits.headersTimeoutMs).unref();
    }
  });
  server.on("request", (request) => {
    // Over TLS the request's socket wraps the TCP socket the timer was set on (`_parent`).
    const own = request.socket as Tracked & { _parent?: Tracked };
    const socket = own._parent ?? own;
    if (socket[firstRequest] !== undefined) {
      clearTimeout(socket[firstRequest]);
      socket[firstRequest] = undefined;
    }
  });
  return stats;
}
