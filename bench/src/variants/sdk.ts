import { readFileSync, watch } from "node:fs";
import { EurekaInstancer } from "@outrigger/discovery";
import { type Balancer, createBalancer } from "@outrigger/loadbalancer";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { createRetryPolicy, isConnectionError } from "@outrigger/resilience";
import type { AxiosError } from "axios";
import { type Downstream, failureCounter, keepAliveAgent } from "./downstream.js";
import { DISCOVERY_POLL_MS, type MatchedPolicy } from "./policy.js";

/**
 * What the matched policy asks for that the SDK cannot express yet (the sidecar does all of these). When the
 * packages gain them, wire them in `createSdkDownstream` below and drop the line here.
 */
export const SDK_GAPS: readonly string[] = [
  "Passive health / outlier ejection (HAProxy `observe layer7` + `error-limit` + `on-error mark-down`): the balancer's Pick.done is a no-op today; swap in the loadbalancer's outlier detector.",
  "Per-instance connection limit (HAProxy server `maxconn`): no bulkhead policy in @outrigger/resilience yet.",
  "Retry budget (share of requests that may be retries): not in @outrigger/resilience yet; the overload scenario runs retries on and off instead.",
  "Per-try timeout as a resilience policy: done with axios' per-request `timeout` (each attempt is its own axios request), not a composable Outrigger policy.",
  "Policy hot reload: @outrigger/config has no live reload yet; the SDK variant watches a JSON file with fs.watch as a stand-in.",
  "Watch-based discovery: EurekaInstancer polls; both sides poll every 500 ms so discovery staleness is matched. Swap in the watch instancer.",
  "P2C / peak-EWMA balancing: round robin only today (HAProxy runs roundrobin too, so the comparison is matched).",
];

/** Statuses and errors an attempt is retried on, as HAProxy's `retry-on` in the matched config. */
function retryable(policy: MatchedPolicy): (error: Error) => boolean {
  return (error) => {
    const axiosError = error as AxiosError;
    const status = axiosError.response?.status;
    if (status !== undefined) return policy.retryStatuses.includes(status);
    // axios reports its per-request timeout as ECONNABORTED (ETIMEDOUT with clarifyTimeoutError).
    return isConnectionError(error) || axiosError.code === "ECONNABORTED" || axiosError.code === "ETIMEDOUT";
  };
}

/** Ids the live policy says to stop sending to: the "policy change" the propagation scenario makes. */
function drainedFrom(file: string | undefined): () => ReadonlySet<string> {
  let drained: ReadonlySet<string> = new Set();
  if (!file) return () => drained;
  const load = (): void => {
    try {
      drained = new Set((JSON.parse(readFileSync(file, "utf8")) as { drain?: string[] }).drain ?? []);
    } catch {
      // A half-written file: keep the last good policy, as a live config must.
    }
  };
  load();
  watch(file, load).unref();
  return () => drained;
}

/**
 * The Outrigger SDK variant, the ONE place it is assembled: discovery (EurekaInstancer) → balancer (round robin) →
 * retry policy (re-picks, avoiding tried instances) → per-try timeout → axios.
 */
export function createSdkDownstream(registryUrl: string, policy: MatchedPolicy, policyFile?: string): Downstream {
  const instancer = new EurekaInstancer({
    registryUrl: `${registryUrl}/eureka`,
    service: "upstream",
    pollIntervalMs: DISCOVERY_POLL_MS,
  });
  void instancer.refresh().catch(() => {});
  const inner = createBalancer({ instancer });
  const drained = drainedFrom(policyFile);
  const attempts: Record<string, { count: number; lastAt: number }> = {};
  // Observes every pick, so the report can tell when an instance stopped getting attempts.
  const balancer: Balancer = {
    pick(options = {}) {
      const avoid = new Set([...(options.avoid ?? []), ...drained()]);
      const pick = inner.pick({ avoid });
      const seen = attempts[pick.instance.id] ?? { count: 0, lastAt: 0 };
      seen.count += 1;
      seen.lastAt = Date.now();
      attempts[pick.instance.id] = seen;
      return pick;
    },
  };
  const failed = failureCounter();
  const retry = createRetryPolicy({ maxAttempts: policy.maxAttempts, retryOn: retryable(policy), initialDelayMs: 0 });
  const http = createLbAxios({
    balancer: (name) => (name === "upstream" ? balancer : undefined),
    policy: retry,
    defaults: { httpAgent: keepAliveAgent(), timeout: policy.perTryTimeoutMs, validateStatus: (s) => s < 500 },
  });
  return {
    async call() {
      try {
        return (await http.get("lb://upstream/work")).status;
      } catch (error) {
        failed.count(error);
        return (error as AxiosError).response?.status ?? 502;
      }
    },
    attempts: () => attempts,
    failures: () => failed.counts,
    close: () => instancer.close(),
  };
}
