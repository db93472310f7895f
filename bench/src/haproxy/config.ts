import { HEALTH_CHECK, type MatchedPolicy } from "../variants/policy.js";

/** The backend every sidecar config balances over; the sync agent adds and removes its servers. */
export const BACKEND = "upstream";

/** Where the sidecar listens and where its runtime API socket is. */
export interface SidecarAddress {
  readonly port: number;
  readonly socketPath: string;
}

const GLOBAL = (socketPath: string): string[] => [
  "global",
  // One thread: the sidecar gets one core, as a per-pod Envoy usually gets --concurrency 1–2.
  "  nbthread 1",
  "  maxconn 4096",
  `  stats socket ${socketPath} mode 600 level admin`,
];

/**
 * Idle-connection keywords every dynamic server needs to reuse its connections: HAProxy's documented defaults
 * (configuration.txt §5.2: `pool-max-conn -1`, `pool-purge-delay 5s`). `add server` takes nothing from
 * `default-server` (management.txt, "add server"; haproxy/haproxy#1994), and in HAProxy 2.6.12 a server it adds
 * keeps no idle connection at all without these two: each request to it opened a new connection, `http-reuse always`
 * notwithstanding (measured: 600 connections for 600 requests; `connection-reuse.test.ts` holds the fix).
 */
export const IDLE_POOL_KEYWORDS: readonly string[] = ["pool-max-conn", "-1", "pool-purge-delay", "5s"];

/**
 * Server keywords for a dynamic server, matched to the policy: passive health (`observe layer7` counts 5xx and
 * timeouts; `error-limit` consecutive ones mark it down), a TCP check that brings it back, a connection limit, and
 * the idle pool (`IDLE_POOL_KEYWORDS`) so connections are reused as a static server's are.
 */
export function serverKeywords(policy: MatchedPolicy): string[] {
  return [
    "check",
    "inter",
    `${HEALTH_CHECK.interMs / 1000}s`,
    "fall",
    String(HEALTH_CHECK.fall),
    "rise",
    String(HEALTH_CHECK.rise),
    "observe",
    "layer7",
    "error-limit",
    String(policy.ejectAfterErrors),
    "on-error",
    "mark-down",
    "maxconn",
    String(policy.maxConnsPerInstance),
    ...IDLE_POOL_KEYWORDS,
  ];
}

/**
 * HTTP-mode sidecar: round robin, per-try `timeout server`, `retries` with `option redispatch` (each retry goes to
 * another server) and `retry-on`, no servers at start (the sync agent adds them over the runtime API).
 */
export function httpSidecarConfig(address: SidecarAddress, policy: MatchedPolicy): string {
  const retryOn = ["conn-failure", "empty-response", "response-timeout", ...policy.retryStatuses.map(String)];
  return [
    ...GLOBAL(address.socketPath),
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    "  timeout client 30s",
    `  timeout server ${policy.perTryTimeoutMs}ms`,
    "  timeout queue 1s",
    `  retries ${policy.maxAttempts - 1}`,
    "  option redispatch 1",
    `  retry-on ${retryOn.join(" ")}`,
    "  option http-keep-alive",
    "  http-reuse always",
    "frontend sidecar",
    `  bind 127.0.0.1:${address.port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    "  balance roundrobin",
    "",
  ].join("\n");
}

/** TCP-mode null proxy: forwards connections round robin with no HTTP processing — the cost of the hop alone. */
export function tcpNullProxyConfig(
  address: SidecarAddress,
  servers: ReadonlyArray<{ host: string; port: number }>,
): string {
  return [
    ...GLOBAL(address.socketPath),
    "defaults",
    "  mode tcp",
    "  timeout connect 1s",
    "  timeout client 30s",
    "  timeout server 30s",
    "frontend sidecar",
    `  bind 127.0.0.1:${address.port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    "  balance roundrobin",
    ...servers.map((s, i) => `  server s${i} ${s.host}:${s.port}`),
    "",
  ].join("\n");
}
