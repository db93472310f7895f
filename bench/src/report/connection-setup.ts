import { ALL_VARIANTS } from "../scenarios/variant-names.js";
import { POOL } from "../variants/downstream.js";
import { type MatchedPolicy, QUEUE_TIMEOUT_MS } from "../variants/policy.js";
import type { SteadySummary } from "./steady-summary.js";
import { formatSpread, table } from "./table.js";

/**
 * Idle time undici keeps a connection to an upstream: the upstream's `Keep-Alive: timeout=60` (its
 * `keepAliveTimeout`, `fleet/upstream.ts`) minus undici's `keepAliveTimeoutThreshold` (2 s by default,
 * `lib/dispatcher/client.js`); a server without the hint (HAProxy) gets the pool's own `keepAliveTimeout`.
 */
const UNDICI_UPSTREAM_IDLE_S = 58;

/**
 * Rows of the report's "Connection setup" table: how each variant's client reaches its upstreams (library, its
 * transport, pools, pipelining, keep-alive, what caps the requests in flight), so the baselines are seen to match
 * the governed variants in everything but governance — or, for the axios pair, to differ exactly as an axios user's
 * two choices differ. `variants`: the rows to show (a run's variants; default every variant).
 */
export function connectionRows(p: MatchedPolicy, variants: readonly string[] = ALL_VARIANTS): string[][] {
  const sockets = POOL.connections;
  const idle = POOL.keepAliveMs / 1000;
  const nodeHttp = `node:http \`Agent({ keepAlive: true, maxSockets: ${sockets} })\` (per origin; LIFO reuse of free sockets), one request per socket at a time`;
  const undiciPool = `undici \`Pool\` per origin: \`connections: ${sockets}\`, pipelining 1 (undici's default), idle connections kept ${UNDICI_UPSTREAM_IDLE_S} s (the upstream's keep-alive hint − 2 s)`;
  const shippedPool = `undici \`Pool\` per instance with undici's defaults (no connection limit, pipelining 1, idle connections kept ${UNDICI_UPSTREAM_IDLE_S} s: the upstream's keep-alive hint − 2 s), made by \`createLbAxios\`'s undici transport; \`createLbAxios\` takes no pool options; it gets the registry instancer, as \`createOutrigger\` wires it, so an instance's pool closes when it leaves the set`;
  const cap = `the balancer's \`maxInFlightPerInstance: ${p.maxConnsPerInstance}\` per instance (instances at the cap skipped, then a ${QUEUE_TIMEOUT_MS / 1000} s queue)`;
  const toSidecar = (client: string) =>
    `${client} to one origin, the sidecar; HAProxy to each upstream: \`http-reuse always\`, each server's idle pool on (\`pool-max-conn -1 pool-purge-delay 5s\`: HAProxy's defaults, which 2.6's \`add server\` leaves at 0 — full-1 to full-11 ran without it, a new upstream connection per request), \`maxconn ${p.maxConnsPerInstance}\` per server (queue ${QUEUE_TIMEOUT_MS / 1000} s)`;
  const rows: string[][] = [
    ["direct", "axios, its default http adapter", nodeHttp, `${sockets} sockets per upstream (no governance)`],
    [
      "direct-undici",
      "`undici.request` on an `Agent`",
      undiciPool,
      `${sockets} connections per upstream (no governance)`,
    ],
    [
      "sdk",
      "`createLbAxios` as shipped: axios on its default **undici** transport (`lbUndiciAdapter`)",
      shippedPool,
      cap,
    ],
    [
      "sdk-axios-http",
      '`createLbAxios({ transport: "http" })`: axios\'s http adapter (opt-in, no goal)',
      nodeHttp,
      cap,
    ],
    ["sdk-undici", "`createLbDispatcher`", `${undiciPool}; one pool per instance, closed when it leaves`, cap],
    [
      "haproxy-http",
      "axios, its default http adapter",
      toSidecar(nodeHttp),
      `HAProxy's \`maxconn ${p.maxConnsPerInstance}\``,
    ],
    [
      "haproxy-http-undici",
      "`undici.request` on an `Agent`",
      toSidecar(
        `undici \`Pool\`: \`connections: ${sockets}\`, pipelining 1, idle ${idle} s (HAProxy sends no keep-alive hint)`,
      ),
      `HAProxy's \`maxconn ${p.maxConnsPerInstance}\``,
    ],
    [
      "haproxy-tcp",
      "axios, its default http adapter",
      `${nodeHttp} to the proxy; one upstream connection per client connection`,
      "—",
    ],
  ];
  return rows.filter((row) => variants.includes(row[0] as string));
}

/**
 * Why the goals pair the variants as they do, under the connection-setup table: what an axios user chooses between,
 * and the one-library pair that isolates governance and the hop.
 */
export const PAIRING_NOTE = `**Why the goal pairs are what they are.** \`sdk\` is held against \`haproxy-http\`, both over \`direct\`: the
choice an axios user has. The same axios app either uses \`createLbAxios\` as shipped — which sends \`lb://\` requests
through undici by default (\`@outrigger/loadbalancer\`'s README, "\`createLbAxios\` sends through undici by default") —
or keeps axios's default http adapter and puts HAProxy beside it; \`direct\` is that app with neither. So the SDK's
added latency and governance CPU include what its transport saves against node:http (they can be negative), as the
user would see them. \`sdk-undici\` is held against \`haproxy-http-undici\` over \`direct-undici\`: one client library
(undici) on all three, so only governance and the hop differ. \`sdk-axios-http\` (\`createLbAxios({ transport: "http" })\`,
for users who opt into the http adapter or pass an agent) runs only when named (\`--variants=sdk-axios-http\`) and
carries no goal. The failure scenarios hold \`sdk\` and \`sdk-undici\` against one sidecar arm, \`haproxy-http\`.`;

/**
 * The client's own view of each repetition (connections to its upstreams or sidecar, calls in flight, GC pauses,
 * loop delay, the SDK's retries), beside the tails it explains; absent for runs recorded before the client reported
 * it.
 */
export function clientTable(byVariant: Record<string, SteadySummary>): string[] {
  const rows = Object.entries(byVariant).filter(([, s]) => s.client && Number.isFinite(s.client.peakInFlight.median));
  if (rows.length === 0) return [];
  return [
    table(
      [
        "variant",
        "connections opened in window",
        "open at end",
        "peak calls in flight",
        "GC pauses (mark-compacts)",
        "mark-compacts before measuring",
        "longest GC pause ms",
        "GC ms total",
        "longest loop delay ms",
        "SDK retries (after a per-try timeout)",
      ],
      rows.map(([v, s]) => [
        v,
        formatSpread(s.client.connectionsOpened, 0),
        formatSpread(s.client.connectionsOpen, 0),
        formatSpread(s.client.peakInFlight, 0),
        // Runs before 2026-12-03 did not count mark-compacts apart.
        Number.isFinite(s.client.majorGcCount?.median)
          ? `${formatSpread(s.client.gcCount, 0)} (${formatSpread(s.client.majorGcCount, 0)})`
          : formatSpread(s.client.gcCount, 0),
        // Runs before 2026-12-03-full-18 did not wait for a mark-compact in the warm-up.
        Number.isFinite(s.client.majorGcsBeforeMeasuring?.median)
          ? formatSpread(s.client.majorGcsBeforeMeasuring, 0)
          : "–",
        formatSpread(s.client.gcMaxMs, 1),
        formatSpread(s.client.gcTotalMs, 1),
        formatSpread(s.client.loopDelayMaxMs, 1),
        `${formatSpread(s.client.sdkRetries, 0)} (${formatSpread(s.client.sdkRetriesOnTimeout, 0)})`,
      ]),
    ),
    "",
  ];
}

/**
 * What the connection-setup table means for the comparison, checked in the code (`variants/plain.ts`,
 * `variants/sdk.ts`, `@outrigger/loadbalancer`'s `undici-dispatcher.ts`, undici 6's `agent.js`), and what runs
 * 2026-11-30-full-1 and -full-2 showed about the undici baseline's tail.
 */
export const CONNECTION_NOTE = `The undici clients differ only in governance: an undici \`Agent\` makes one \`Pool\` per origin
(\`defaultFactory\` in undici's \`agent.js\`) with the Agent's options, so \`direct-undici\` holds one pool per upstream,
as \`sdk-undici\`'s dispatcher does (one \`Pool\` per instance, the same options), and \`haproxy-http-undici\` one pool
to the sidecar. No side pipelines. Only the governed sides cap the requests in flight per upstream (the SDK's
\`maxInFlightPerInstance\`, HAProxy's \`maxconn\`: 64 each), cut an attempt at the per-try timeout (100 ms) and run
timers (health checks, the registry watch); the baselines queue in the pool beyond 256 connections and wait as long as
the upstream takes. At 2 000/s \`direct-undici\`'s p99 was above \`sdk-undici\`'s in 10 of 12 repetitions of runs
2026-11-30-full-1 and -full-2, in either order within the round (pooled 50.9 against 11.6 ms on the loaded run,
36.4 against 24.1 ms on the quiet one, whose interval includes 0); at 1 000/s the runs disagree (10.6 against
6.4 ms; 7.7 against 8.6 ms), and below it they were level. Which of those
differences causes it is not measured yet: the third table of each rate (added after those runs) records, per window,
the connections each client opened, its peak calls in flight, its GC pauses and its longest event-loop stall. The
goals do not depend on it: \`sdk-undici\` and \`haproxy-http-undici\` share the baseline, so its tail cancels from
their difference.`;
