import { DISCOVERY_POLL_MS, type MatchedPolicy } from "../variants/policy.js";

/** Rows of the "Policies, matched" table: how each side expresses the same rule. */
export function POLICY_ROWS(p: MatchedPolicy, serverKeywords: string): string[][] {
  return [
    ["load balancing", "`createBalancer` round robin over UP instances", "`balance roundrobin`"],
    [
      "per-try timeout",
      `axios \`timeout: ${p.perTryTimeoutMs}\` on each attempt`,
      `\`timeout server ${p.perTryTimeoutMs}ms\``,
    ],
    [
      "retries",
      `\`createRetryPolicy({ maxAttempts: ${p.maxAttempts}, initialDelayMs: 0 })\`, re-picks avoiding tried instances`,
      `\`retries ${p.maxAttempts - 1}\` + \`option redispatch 1\` (every retry to another server)`,
    ],
    [
      "what is retried",
      `connection errors, per-try timeouts, ${p.retryStatuses.join("/")}`,
      `\`retry-on conn-failure empty-response response-timeout ${p.retryStatuses.join(" ")}\``,
    ],
    ["passive health / ejection", "**not available yet** (see gaps)", `\`${serverKeywords}\``],
    ["connection limit per instance", "**not available yet**", `server \`maxconn ${p.maxConnsPerInstance}\``],
    ["retry budget", "**not available yet**", "none in HAProxy either"],
    [
      "discovery",
      `\`EurekaInstancer\` polling every ${DISCOVERY_POLL_MS} ms`,
      `sync agent: the same \`EurekaInstancer\` (${DISCOVERY_POLL_MS} ms) → runtime API \`add server\` / \`enable health\` / \`set server … state\` / \`del server\`, no reloads`,
    ],
    [
      "policy change",
      "JSON policy file watched with `fs.watch` (stand-in for live config)",
      "runtime API `set server … state drain`",
    ],
  ];
}

/** The fair discussion the issue asks for. */
export const DISCUSSION = `**What the sidecar gives that the SDK cannot.**
- *Language independence.* One HAProxy (or Envoy) config governs Node, Go, Python and legacy services alike; the SDK
  governs only Node processes that link it, and every other language needs its own, kept in step.
- *Policy change without a redeploy.* The runtime API (and a mesh's control plane) changes weights, states and servers
  in a running proxy, owned by the platform team. The SDK can reload policy only where the application wires a live
  config, and a policy *code* change means a new build of every service.
- *mTLS and identity.* A mesh terminates and originates mutual TLS with rotated certificates outside the
  application; the SDK has none of that, and adding it in-process means every service handles keys.
- *Uniform telemetry and a blast-radius boundary.* A proxy reports the same metrics for every service, and a bug in
  governance code cannot crash the application process.
- *Features that exist today.* In this run the sidecar had passive health checks, per-server connection limits and
  queueing; the SDK does not yet (listed above). Where a failure scenario favours HAProxy, that is usually why.

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
young TypeScript library sharing the event loop with the application. HAProxy's passive health uses TCP checks to
bring servers back; the SDK has no ejection yet, so it keeps sending first attempts to a dead instance until the
registry evicts it (its retries then hide the errors). Both sides discover through the same registry client at the
same poll interval, so discovery staleness is matched; a real mesh pushes updates (xDS) instead.`;

/** How to read the numbers, and what they do not say. */
export const METHOD_NOTES = `- "Added latency" is the variant's percentile minus the direct baseline's in the same repetition (repetitions run
  interleaved), then the median over repetitions. Negative values mean the difference is inside the noise.
- "Governance CPU" is client + sidecar CPU per request minus the direct client's, paired the same way. CPU comes from
  \`utime + stime\` in \`/proc/<pid>/stat\` (10 ms ticks) read at the start and the end of the measured window; RSS from
  \`VmRSS\` in \`/proc/<pid>/status\` at the end. Every Node process runs under \`tsx\`, which adds the same memory
  to every client variant.
- The generator ticks every millisecond and sends all requests that are due; latency includes any sender lag, so it
  is never hidden (no coordinated omission), and the rejection rule catches runs where the generator fell behind.
- All clients use the same axios instance settings and keep-alive agent; only governance differs.
- The HAProxy sync agent (registry → runtime API) counts as part of the sidecar's CPU and memory.
- Failure scenarios start a fresh fleet and client for every run; the fault happens 1 s into the measured window.
- "Time until nothing is sent" after a kill: for the SDK, the last attempt its balancer picked for the dead instance;
  for HAProxy, when \`show stat\` (polled every 25 ms from the load core) first shows the server out of rotation.
- Adding an instance starts a Node process on the load core, which briefly competes with the generator: tail
  latency in that scenario includes that disturbance for both variants.
- Passive health counts every 5xx and timeout: under overload, HAProxy's \`observe layer7\` + \`on-error mark-down\`
  can mark every server down at once (load shedding looks like failure), after which it answers 503 until the
  checks bring servers back. That is what the sidecar does with this configuration, and the report shows it as is.
- Every client runs on a core that other processes on this shared machine also use (only our processes are pinned):
  a CPU-hungrier client is hurt more by that contention, which shows up as tail latency.`;
