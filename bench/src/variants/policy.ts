/**
 * The governance policy both the SDK and the sidecar are configured from, so every comparison runs matched rules.
 * Each field says how each side expresses it; `sdkGaps` in `variants/sdk.ts` lists what the SDK cannot do yet.
 */
export interface MatchedPolicy {
  readonly name: PolicyName;
  /** Per-try timeout. SDK: axios `timeout` on each attempt. HAProxy: `timeout server`. */
  readonly perTryTimeoutMs: number;
  /** Attempts in all. SDK: `createRetryPolicy({maxAttempts})`. HAProxy: `retries maxAttempts-1`. */
  readonly maxAttempts: number;
  /** Statuses retried (plus connection failures and per-try timeouts). HAProxy: `retry-on … <statuses>`. */
  readonly retryStatuses: readonly number[];
  /** Consecutive failed requests before an instance is ejected. HAProxy: `observe layer7 error-limit N on-error mark-down`. */
  readonly ejectAfterErrors: number;
  /** Concurrent requests per instance. HAProxy: server `maxconn`. */
  readonly maxConnsPerInstance: number;
  /** Share of requests that may be retries (a retry budget, as Finagle/Envoy do). HAProxy has none. */
  readonly retryBudgetRatio?: number;
}

/** Names a scenario can ask for; new SDK policies (P2C, outlier ejection, budgets) get a name here. */
export type PolicyName = "matched" | "no-retry" | "budget";

/** Discovery refresh both sides use (SDK instancer poll, sidecar sync agent poll): same staleness for both. */
export const DISCOVERY_POLL_MS = 500;

const MATCHED: MatchedPolicy = {
  name: "matched",
  // Upstreams answer in ~1–3 ms; 100 ms is far above normal and far below a "slow instance" (200 ms extra).
  perTryTimeoutMs: 100,
  // Three attempts is the common default (Envoy's route retry default is 1 retry; Finagle's budget allows ~20%).
  maxAttempts: 3,
  retryStatuses: [500, 502, 503, 504],
  ejectAfterErrors: 5,
  maxConnsPerInstance: 64,
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
  }
}
