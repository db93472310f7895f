import { sidecarOf } from "../scenarios/variant-names.js";
import {
  CONFIG_DEBOUNCE_MS,
  EJECTION_MS,
  HEALTH_CHECK,
  HEALTH_CHECK_TIMEOUT_MS,
  HEALTH_PORT_KEY,
  type MatchedPolicy,
  PANIC,
  QUEUE_TIMEOUT_MS,
} from "../variants/policy.js";

/** Rows of the "Policies, matched" table: how each side expresses the same rule, and where they still differ. */
export function POLICY_ROWS(p: MatchedPolicy, serverKeywords: string): string[][] {
  return [
    [
      "client and its transport",
      "`sdk`: the axios app with `createLbAxios` as shipped — `lb://` requests go through its default undici transport (one undici `Pool` per instance); `sdk-undici`: `createLbDispatcher` with `undici.request`; opt-in `sdk-axios-http`: `createLbAxios({ transport: \"http\" })`, axios's http adapter (no goal). Goal pairs: `sdk` against `haproxy-http` over `direct` (an axios user's two choices), `sdk-undici` against `haproxy-http-undici` over `direct-undici` (one library on every side)",
      "`haproxy-http`: the same axios app on axios's default http adapter (node:http keep-alive agent) to its sidecar; `haproxy-http-undici`: `undici.request` to its sidecar; HAProxy sends to the upstreams itself",
    ],
    [
      "load balancing",
      "`createBalancer` round robin over UP, non-ejected instances (slow scenario also: an SDK-only arm with `p2cPeakEwma()`, the SDK's own best rule)",
      "`balance roundrobin`",
    ],
    [
      "per-try timeout",
      `\`createLbAxios({ perTryTimeoutMs: ${p.perTryTimeoutMs} })\`: aborts the attempt (LB_ATTEMPT_TIMEOUT), counts as a failure`,
      `\`timeout server ${p.perTryTimeoutMs}ms\``,
    ],
    [
      "retries",
      `\`createLbAxios({ retry: { maxAttempts: ${p.maxAttempts} } })\`: every retry on an instance not yet tried, no backoff`,
      `\`retries ${p.maxAttempts - 1}\` + \`option redispatch 1\` (every retry to another server)`,
    ],
    [
      "what is retried",
      `connection failures, per-try timeouts, \`retryOnStatus: [${p.retryStatuses.join(", ")}]\` (GET is idempotent)`,
      `\`retry-on conn-failure empty-response response-timeout ${p.retryStatuses.join(" ")}\``,
    ],
    [
      "passive health / ejection",
      `outlier detection \`consecutive5xx: ${p.ejectAfterErrors}\` (5xx, timeouts, connection errors in a row) judged, as HAProxy does, only on the response a call keeps: a 5xx or per-try timeout that was retried on another instance does not count (\`outlierDetection: { countRetriedAttempts: false }\`; the SDK's default, \`true\`, counts every attempt, as Envoy), connection failures count on every attempt; no success-rate rule, \`maxEjectionPercent: 100\`; back after \`healthyThreshold: ${HEALTH_CHECK.rise}\` passing active checks (Envoy's \`successful_active_health_check_uneject_host\`), a dead one stays out (the ${EJECTION_MS / 1000} s ejection time is only a fallback)`,
      `\`observe layer7 error-limit ${p.ejectAfterErrors} on-error mark-down\` (an L7 retry, \`retry-on\` 5xx or \`response-timeout\`, happens before \`health_adjust\` in \`http_ana.c\`, so only the response forwarded counts; connection failures count on every attempt); back after \`rise ${HEALTH_CHECK.rise}\` TCP checks (≈ ${HEALTH_CHECK.interMs * HEALTH_CHECK.rise} ms for a live server; a dead one stays down). Server line: \`${serverKeywords}\``,
    ],
    [
      "every instance out (overload arm)",
      `fail fast: \`createBalancer({ panic: { thresholdPercent: ${PANIC.thresholdPercent}, mode: "${PANIC.mode}" } })\` — with every instance ejected (passive health) every request fails at once with LB_PANIC, no attempt sent (Envoy's \`fail_traffic_on_panic\`); the client answers 502`,
      "no server UP in the backend: HAProxy answers 503 itself at once, no attempt sent",
    ],
    [
      "active health checks",
      `\`createBalancer({ healthCheck: { probe: tcpProbe() on the instance's health port, intervalMs: ${HEALTH_CHECK.interMs}, timeoutMs: ${HEALTH_CHECK_TIMEOUT_MS}, unhealthyThreshold: ${HEALTH_CHECK.fall}, healthyThreshold: ${HEALTH_CHECK.rise} } })\`: TCP connect probes`,
      `\`check port <health port> inter ${HEALTH_CHECK.interMs / 1000}s fall ${HEALTH_CHECK.fall} rise ${HEALTH_CHECK.rise}\` (TCP connect checks; the port from the instance's \`${HEALTH_PORT_KEY}\` metadata)`,
    ],
    [
      "connection limit per instance",
      `\`createBalancer({ maxInFlightPerInstance: ${p.maxConnsPerInstance}, queueTimeoutMs: ${QUEUE_TIMEOUT_MS} })\`: instances at the cap skipped, then a bounded queue (LB_QUEUE_TIMEOUT)`,
      `server \`maxconn ${p.maxConnsPerInstance}\`, excess queued (\`timeout queue ${QUEUE_TIMEOUT_MS / 1000}s\`)`,
    ],
    [
      "retry budget",
      "overload scenario only, SDK-only arm: `createLbAxios({ retry: { maxAttempts, budget: new RetryBudget({ percentCanRetry: 0.2 }) } })` (the built-in retries, within the budget)",
      "none (HAProxy has no retry budget)",
    ],
    [
      "discovery",
      "`RegistryWatchInstancer`: long poll on `/outrigger/watch/apps/UPSTREAM?index=N&wait=30s`, answered on change",
      "sync agent: the same watch → runtime API `add server` / `enable health` / `set server … state` / `del server`, no reloads",
    ],
    [
      "policy change (policy scenario: a canary shift, every request to u0)",
      `two arms. **central**: the registry's control plane — \`PUT /outrigger/policy/services/upstream\` (a route of weight 100 to subset \`v2\`, labels \`version: v2\`); the revision reaches the client in its registry watch answer (\`RegistryWatchInstancer.onPolicy\`), is applied to the next pick (picks stay inside the route's subset, as \`@outrigger/node\`'s control plane picks) and ACKed (\`POST /outrigger/policy/reports\`). **file**: \`createLiveConfig({ dir, debounceMs: ${CONFIG_DEBOUNCE_MS} })\` on a ConfigMap-style directory (atomic \`..data\` swap) listing the instances to drain`,
      "runtime API, one connection: `set server upstream/u0 state ready; set server upstream/u1 state drain; set server upstream/u2 state drain`",
    ],
  ];
}

/** The fair discussion the issue asks for. */
export const DISCUSSION = `**What the sidecar gives that the SDK cannot.**
- *Language independence.* One HAProxy (or Envoy) config governs Node, Go, Python and legacy services alike; the SDK
  governs only Node processes that link it, and every other language needs its own, kept in step.
- *Policy change without a redeploy, for every language.* The runtime API (and a mesh's control plane) changes
  weights, states and servers in a running proxy, owned by the platform team. The SDK now takes the same kind of
  change from the registry's control plane (routes, subsets, retries, timeouts, pushed in the watch answer and ACKed:
  the policy scenario's central arm), but only into Node processes that link it; a policy *code* change still means
  a new build of every service.
- *mTLS and identity.* A mesh terminates and originates mutual TLS with rotated certificates outside the
  application; the SDK has none of that, and adding it in-process means every service handles keys.
- *Uniform telemetry and a blast-radius boundary.* A proxy reports the same metrics for every service, and a bug in
  governance code cannot crash the application process.

**What the SDK gives that the sidecar cannot.**
- *No extra hop.* No second loopback connection, no second parse of every request, no second process to schedule on
  the same cores. The steady-state tables show what that hop costs here (the TCP null proxy isolates the pure hop).
- *Decisions with application context.* The SDK knows the request's idempotency, its deadline, the user or tenant,
  and the outcome as the application sees it (a 200 with an error body), and can retry, hedge or shed accordingly.
  A proxy sees bytes and status codes.
- *Cost.* No sidecar per pod: no reserved CPU and memory for a proxy on every replica (Istio's published 40–60 MB and
  0.2–0.5 vCPU per 1 000 rps multiply by the replica count), no control plane to run and upgrade.
- *Debuggability in one process.* Retries, picks and timeouts show up in the application's own traces and logs.

**Where this comparison is not fair, either way.** HAProxy is a mature C proxy with one thread here; the SDK is a
young TypeScript library sharing the event loop with the application. Both bring a passively marked-down instance
back through the same TCP checks (\`inter 1s rise 2\`) and keep a dead one out; each client process (or sidecar)
probes every instance itself, so probe traffic grows with the number of clients on both sides. Both sides discover through the
same registry watch (a long poll answered on change), so discovery staleness is matched; a real mesh pushes updates
(xDS) in much the same way. The retry budget, P2C and every-attempt arms are the SDK's own: HAProxy has no retry budget,
it was kept on round robin so that the matched comparison stays matched, and its passive health sees only the
response it keeps (the every-attempt arm shows the SDK's own rule, Envoy's).`;

/** How to read the numbers, and what they do not say. */
export const METHOD_NOTES = `- **Governance CPU** comes from the closed-loop phase, not from the open-loop rates: there a difference of two
  noisy ~1 ms client totals at 100–300/s (idle wake-ups, timers and health checks dominate) flipped verdicts between
  runs. In a closed loop at fixed concurrency thousands of requests per second pass, so per-request CPU is the
  request's work; each round runs every variant once (order rotated), the variant's CPU per request minus its
  baseline's in the same round is one paired sample, and the interval comes from resampling rounds. CPU is the run
  time of every thread (\`/proc/<pid>/task/<tid>/schedstat\`, ns) of the client and the sidecar (HAProxy and its
  sync agent) at the window's edges. The ratio goal divides the SDK's mean by HAProxy's on each resample.
- **Tails** pool the repetitions' HdrHistograms per cell; each repetition's window is long enough that a full run
  pools ≥ 10 000 latencies per cell (\`--min-samples\`). Below 1 000/s a cell has 6 repetitions (10–17 s each);
  at 1 000/s and above, where a repetition costs seconds, 20 repetitions of 1.5 s (\`--fast-reps\`): the intervals
  resample whole repetitions, so they narrow with the number of repetitions, not with longer windows. Rates with
  fewer repetitions are spread evenly among the passes of the others. "Added" is the pooled percentile minus the
  baseline's (the direct client of the same app: \`direct\`, axios on its http adapter, for \`sdk\`,
  \`sdk-axios-http\`, \`haproxy-http\` and \`haproxy-tcp\`; \`direct-undici\` for \`sdk-undici\` and
  \`haproxy-http-undici\`). In the tail and the governance-CPU goals \`sdk\` is held against \`haproxy-http\`:
  the same axios app with \`createLbAxios\` as shipped (its default undici transport) or with axios's http adapter
  and a sidecar, so what the SDK's transport saves is part of what it adds; \`sdk-undici\` against
  \`haproxy-http-undici\`, one library on every side. Over one baseline, the difference is that of the two pooled
  percentiles. (Before run 2026-11-30-full-2 \`sdk-undici\` was held against the axios-client sidecar, which
  cannot run at 2 000/s here; up to that run \`sdk\` was \`createLbAxios\` on the http adapter, today's opt-in
  \`sdk-axios-http\`.)
- **Paired windows** (runs from 2026-12-01-paired-2 on, below \`--paired-below\`, 1 000/s by default):
  \`sdk-undici\` is measured in one window with the sidecar its goals hold it against, \`haproxy-http-undici\`,
  the generator sending the rate to each, their schedules half a period apart
  (\`src/scenarios/steady-slots.ts\`). In windows of their own, seconds apart, a stall of the shared host landed on
  one side's tail only, and over 12 repetitions the undici pair's p99/p99.9 differences at 100–300/s stayed within
  ±2–10 ms of 0 while the sides differ by a fraction of a millisecond; in one window it lands on both sides'
  requests and cancels from their difference (common random numbers). The bootstrap resamples whole repetitions, so
  each draw keeps a pair's shared window together. Both clients (and HAProxy) share the client core, which the
  undici pair's two streams of ≤ 300/s leave mostly idle; the baselines, \`haproxy-tcp\`, the axios pair (whose
  clients together keep the client core ~75% busy at 300/s here, and waited for each other in run
  2026-12-01-paired-1) and every variant at the fast rates keep windows of their own.
- **Rates above 300/s** are offered to every variant that reached them in at least one closed-loop CPU round; a
  variant whose throughput stayed below the rate in every round is not run there (an open loop past capacity only
  queues) and the report says so. One rule for both phases: such a sidecar cell's latency has no bound, so the
  SDK's latency goal there is met when the SDK cell was on time in every repetition (else inconclusive), and every
  other cell is measured and judged. (Before run 2026-12-01 the steady phase skipped above 80% of the median round,
  leaving cells between that and the highest round neither measured nor judged.) The generator's on-time
  send rate is checked at every rate (the 99% rule).
- The generator ticks every millisecond and sends all requests that are due; latency includes any sender lag, so it
  is never hidden (no coordinated omission), and the rejection rule catches runs where the generator fell behind.
- Connections: every http-adapter axios client (\`direct\`, \`haproxy-http\`, \`haproxy-tcp\`, \`sdk-axios-http\`)
  sends on the same keep-alive agent (256 sockets per origin); every undici client (\`direct-undici\`,
  \`sdk-undici\`, \`haproxy-http-undici\`) on undici pools of the same size, pipelining 1; \`sdk\` on the pools
  \`createLbAxios\`'s undici transport makes (one per instance, undici's defaults), capped at 64 in flight per
  instance by its balancer (the "Connection setup" table). The
  client's own view of each window (connections opened, calls in flight, GC pauses, loop delay) is in the third
  table of each rate.
- The HAProxy sync agent (registry → runtime API) counts as part of the sidecar's CPU and memory.
- Failure scenarios start a fresh fleet and client for every run; the fault happens 1 s into the measured window.
  Failure goals pair the SDK's and HAProxy's runs by repetition (errors per run, SDK − HAProxy); the overload
  scenario's comparisons are figures, not goals (why: its section).
- **After a kill, "time until nothing is sent"** is measured the same way for both sides, at the process that
  connects to the upstreams (the SDK client, or HAProxy): it runs under \`strace -f --seccomp-bpf -e trace=connect
  -ttt\` (the kernel stops it only on \`connect\`, so tracing costs nothing between connections), and active checks
  on both sides go to the instance's separate health port (HAProxy's \`check port\`), so every \`connect\` to the
  dead instance's traffic port after the SIGKILL is a request attempt (it is refused, as with a real crash). A dead
  process cannot record what it no longer receives, so the sender's own system calls are the record. Requests on a
  connection opened before the kill need no \`connect\`; the kernel resets those connections at the kill.
  "Time until out of rotation" is each side's own view (SDK: its ejection event; HAProxy: \`show stat\` polled every
  25 ms), for reference.
- **Policy propagation is measured the same way for every arm, at the upstreams:** the change moves all traffic to
  u0, which had none, so the first request u0 receives is the first request that obeys it (u0's own record, a
  sub-millisecond wall clock shared by the processes), timed from just before the change is issued (the registry
  \`PUT\`, the policy directory swap, or the runtime API command). The last request u1 or u2 received brackets it
  from below. One request every 2 ms (500/s) sets the resolution. Each side's own view (the SDK applied the revision
  in process; HAProxy answered the command, which it does after applying it) is reported beside it, for reference.
- Adding an instance starts a Node process on the load core, which briefly competes with the generator: tail
  latency in that scenario includes that disturbance for both variants.
- Passive health counts 5xx and timeouts, on both sides only on the response a call keeps (HAProxy's L7 retry
  happens before \`health_adjust\` in \`src/http_ana.c\`; the SDK's matched arms set outlier detection's
  \`countRetriedAttempts: false\`; connection failures count on every attempt on both sides). Judging every attempt
  instead (the SDK's default, as Envoy's router: the \`every-attempt\` arm) counts up to 3 failures per request
  with retries on and, under overload, keeps every instance ejected. Even so, both sides can take every instance out
  at once (load shedding looks like failure). Then HAProxy answers 503 itself and the SDK fails fast (LB_PANIC, answered 502 by
  the client) — the same behaviour, stated in the policies table — until checks bring instances back.
- **Under overload a mark-down is a race, and bursts start it.** An instance that sheds five requests in a row is
  marked down at that millisecond (HAProxy's \`observe layer7\` \`error-limit 5\`, the SDK's consecutive 5xx), the
  other two take its load and follow, and every request fails fast until checks bring them back. What makes five in
  a row is arrivals in a burst: a client or sidecar that waited for the client core sends what queued in one pass.
  Traced (\`--trace-upstreams\`, runs 2026-12-02-overload-trace-1 and -2) HAProxy, which shares the client's core as
  a sidecar shares its pod's, sent 0.87% of arrivals < 0.5 ms after the previous at an instance, the SDK 0.08–0.43%,
  and each HAProxy mark-down began at an instance's first run of five sheds; with HAProxy on a core of its own
  (\`BENCH_HAPROXY_CORE=load\`, run 2026-12-02-overload-trace-haproxy-load-core) two of three no-retry runs tripped
  nothing. In run 2026-12-02-full-14 (not traced, on a host running about 1.4× faster than for the traced runs)
  HAProxy tripped in one of six no-retry runs and the axios SDK in three; traced again on that host (run
  2026-12-02-overload-trace-3) HAProxy's arrivals < 0.5 ms apart were 0.24%, the SDK's 0.12% and 0.02%, and none of
  nine no-retry runs tripped. How bursty each side is follows how busy the client's core is, so the overload
  verdicts say which side tripped first in these runs, not which rules are better.
- Every client runs on a core that other processes on this shared machine also use (only our processes are pinned):
  a CPU-hungrier client is hurt more by that contention, which shows up as tail latency.`;

/**
 * The report's sentence on paired windows, for a run's options (none for runs before them or with them off). A run
 * with `pairedBelow` but no `paired` list (2026-12-01-paired-1) paired both SDK variants.
 */
export function pairedWindows(options: Record<string, unknown>): string {
  const below = options.pairedBelow;
  if (typeof below !== "number" || below <= 0) return "";
  const paired = Array.isArray(options.paired) ? (options.paired as string[]) : ["sdk", "sdk-undici"];
  if (paired.length === 0) return "";
  const pairs = paired.map((sdk) => `\`${sdk}\` with \`${sidecarOf(sdk)}\``).join(", ");
  return ` Below ${below}/s ${pairs} ${paired.length > 1 ? "were each" : "was"} measured in one window, the generator sending the rate to each with their schedules half a period apart, so the shared host's stalls land on both sides of a goal alike (bench/README.md, "Paired windows"); every other cell has a window of its own.`;
}
