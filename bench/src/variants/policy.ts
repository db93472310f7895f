/**
 * The governance policy both the SDK and the sidecar are configured from, so every comparison runs matched rules.
 * Each field says how each side expresses it; `SDK_GAPS` in `variants/sdk.ts` lists what is still not matched.
 */
export interface MatchedPolicy {
  readonly name: PolicyName;
  /** Per-try timeout. SDK: `createLbAxios({perTryTimeoutMs})` (cancels the attempt). HAProxy: `timeout server`. */
  readonly perTryTimeoutMs: number;
  /** Attempts in all. SDK: `createLbAxios({retry: {maxAttempts}})`. HAProxy: `retries maxAttempts-1`. */
  readonly maxAttempts: number;
  /** Statuses retried (plus connection failures and per-try timeouts). HAProxy: `retry-on … <statuses>`. */
  readonly retryStatuses: readonly number[];
  /**
   * Consecutive failed requests before an instance is ejected. SDK: outlier detection `consecutive5xx`.
   * HAProxy: `observe layer7 error-limit N on-error mark-down`. Both judge only the response a call keeps: HAProxy
   * retries (`retry-on`) before `health_adjust` (`src/http_ana.c`), the SDK with outlier detection's
   * `countRetriedAttempts: false`.
   */
  readonly ejectAfterErrors: number;
  /**
   * Concurrent requests per instance. SDK: `createBalancer({ maxInFlightPerInstance, queueTimeoutMs })` (instances at
   * the cap are skipped, then a bounded queue). HAProxy: server `maxconn` + `timeout queue`.
   */
  readonly maxConnsPerInstance: number;
  /** Share of requests that may be retries (a retry budget, as Finagle/Envoy do). SDK only: HAProxy has none. */
  readonly retryBudgetRatio?: number;
  /** Balancing rule. The matched comparison runs round robin on both sides; P2C peak-EWMA is an SDK-only arm. */
  readonly rule: "round-robin" | "p2c-peak-ewma";
  /**
   * Which attempts passive health judges. `kept-response` (matched): only the response a call keeps, as HAProxy's
   * `observe layer7` (the SDK's `outlierDetection.countRetriedAttempts: false`). `every-attempt`: the SDK's default
   * (`true`, Envoy's rule), an SDK-only arm.
   */
  readonly judge: "kept-response" | "every-attempt";
}

/** Where the SDK client takes its policy changes from: a live config directory, or the registry's central push. */
export type PolicySource = "file" | "central";

/**
 * Names a scenario can ask for. `budget`, `p2c-peak-ewma` and `every-attempt` are SDK-only arms (HAProxy has no
 * equivalent run).
 */
export type PolicyName = "matched" | "no-retry" | "budget" | "p2c-peak-ewma" | "every-attempt";

/**
 * The active health check on each instance, on both sides: HAProxy's `check inter 1s fall 3 rise 2` (a TCP connect
 * check), the SDK's `healthCheck: { probe: tcpProbe(), intervalMs: 1000, unhealthyThreshold: 3, healthyThreshold: 2 }`.
 * After a passive mark-down (HAProxy `on-error mark-down`, the SDK's outlier ejection) it is what brings an instance
 * back, after `rise` passing checks; a dead one stays out.
 */
export const HEALTH_CHECK = { interMs: 1_000, fall: 3, rise: 2 } as const;

/**
 * HAProxy's check timeout when `timeout check` is unset: the connect timeout, capped by `inter` (1 s here both).
 */
export const HEALTH_CHECK_TIMEOUT_MS = 1_000;

/**
 * How long the SDK's outlier ejection lasts at most. HAProxy keeps a marked-down server down until `rise` checks pass,
 * with no time limit; the SDK's passing checks un-eject early in the same way, so its ejection time is only a fallback,
 * long enough never to decide first (checks bring a live instance back after about `inter × rise`), and fixed
 * (HAProxy's mark-down does not grow either).
 */
export const EJECTION_MS = 30_000;

/**
 * Registration metadata key of an instance's health port. Active checks on both sides connect there (HAProxy:
 * `check port N`), not to the traffic port, so every connection to the traffic port is a request attempt: after a
 * kill, the connect log of the governing process counts what each side still sent (see `proc/connect-trace.ts`).
 */
export const HEALTH_PORT_KEY = "healthPort";

/**
 * The SDK's all-instances-out behaviour matched to HAProxy's: when every instance is out (HAProxy: marked down;
 * SDK: ejected), HAProxy answers 503 at once; the SDK's balancer fails fast with LB_PANIC (`panic.mode
 * "fail"`, Envoy's `fail_traffic_on_panic`). A threshold of 1% panics only when none is in service, for fleets
 * under 100 instances; above it, every instance in service is used, as HAProxy does.
 */
export const PANIC = { thresholdPercent: 1, mode: "fail" } as const;

/** HAProxy's `timeout queue 1s`: how long a request may wait for a server below its `maxconn`. */
export const QUEUE_TIMEOUT_MS = 1_000;

/**
 * Quiet time the SDK's live config waits after a file event before it loads. The scenario writes the policy file
 * with one atomic rename, so a short debounce is enough; the package default (100 ms) is sized for kubelet's swap.
 */
export const CONFIG_DEBOUNCE_MS = 10;

const MATCHED: MatchedPolicy = {
  name: "matched",
  // Upstreams answer in ~1–3 ms; 100 ms is far above normal and far below a "slow instance" (200 ms extra).
  perTryTimeoutMs: 100,
  // Three attempts is the common default (Envoy's route retry default is 1 retry; Finagle's budget allows ~20%).
  maxAttempts: 3,
  retryStatuses: [500, 502, 503, 504],
  ejectAfterErrors: 5,
  maxConnsPerInstance: 64,
  rule: "round-robin",
  judge: "kept-response",
};

/** The policies by name. */
export function policyByName(name: PolicyName): MatchedPolicy {
  switch (name) {
    case "matched":
      return MATCHED;
    case "no-retry":
      return { ...MATCHED, name, maxAttempts: 1 };
    case "budget":
      // Finagle's default retry budget: retries may add 20% on top of requests.
      return { ...MATCHED, name, retryBudgetRatio: 0.2 };
    case "p2c-peak-ewma":
      return { ...MATCHED, name, rule: "p2c-peak-ewma" };
    case "every-attempt":
      // The SDK's own passive health (Envoy's): every attempt judged, retried ones included.
      return { ...MATCHED, name, judge: "every-attempt" };
  }
}
