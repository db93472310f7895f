import { Agent } from "node:http";
import { RegistryWatchInstancer } from "@outrigger/discovery";
import { type Balancer, createBalancer, type OutlierOptions, p2cPeakEwma } from "@outrigger/loadbalancer";
import { createLbAxios, type LbAxiosOptions } from "@outrigger/loadbalancer/axios";
import { createRetryPolicy, isConnectionError, RetryBudget, statusOf } from "@outrigger/resilience";
import type { AxiosError } from "axios";
import { epochMs } from "../proc/clock.js";
import { type Downstream, failureCounter } from "./downstream.js";
import { createLiveDrain } from "./live-drain.js";
import { EJECTION_MS, type MatchedPolicy } from "./policy.js";

/**
 * What the matched policy asks for that the SDK still cannot express as the sidecar does. Everything else (outlier
 * ejection, per-try timeout, retries to untried instances, retry budget, watch discovery, live config, P2C) is
 * wired in `createSdkDownstream` below.
 */
export const SDK_GAPS: readonly string[] = [
  "Re-admission after ejection: HAProxy brings a marked-down server back through active TCP checks (`check inter 1s rise 2`) and keeps a dead one down; the SDK has no active checks, so an ejection simply lasts 2 s (inter × rise) and the instance then gets a trial request again, dead or not, until discovery drops it.",
  "Per-instance connection limit: matched through Node's keep-alive agent (`maxSockets` per origin = HAProxy `maxconn`), not an Outrigger API: `createBulkheadPolicy` wraps a whole request, not one instance's attempts inside `createLbAxios`. The agent's queue has no `timeout queue` of its own; the per-try timeout bounds it.",
  "Retry budget together with the built-in instance-aware retries: `createLbAxios`'s `retry` option takes no budget, so the budget arm retries through `createRetryPolicy({ budget })` as the axios `policy` (still on untried instances).",
  "Policy changes through live config cover what the application wires to it (here: which instances to drain); retries, timeouts and ejection stay fixed per process in this bench (LivePolicy could carry them).",
];

/** Statuses and errors the budget arm's retry policy retries on, as HAProxy's `retry-on` in the matched config. */
function retryable(policy: MatchedPolicy): (error: Error) => boolean {
  return (error) => {
    const status = statusOf(error);
    if (status !== undefined) return policy.retryStatuses.includes(status);
    return isConnectionError(error) || (error as { code?: string }).code === "LB_ATTEMPT_TIMEOUT";
  };
}

/**
 * Outlier ejection matched to HAProxy's `observe layer7 error-limit N on-error mark-down`: N failures in a row
 * (5xx, timeouts, connection errors) eject; no success-rate rule, no growing ejections, no cap on how many are
 * ejected and no panic mode (HAProxy marks every failing server down). The ejection lasts as long as HAProxy's
 * checks take to bring a server back.
 */
function outlierOptions(policy: MatchedPolicy): OutlierOptions {
  return {
    consecutiveFailures: policy.ejectAfterErrors,
    minSuccessRate: 0,
    baseEjectionMs: EJECTION_MS,
    maxEjectionMs: EJECTION_MS,
    maxEjectedPercent: 100,
    panicThresholdPercent: 0,
  };
}

/** How a request's attempts are retried: built in (matched), or through a budgeted retry policy (budget arm). */
function retrySettings(policy: MatchedPolicy): Pick<LbAxiosOptions, "retry" | "policy"> {
  if (policy.retryBudgetRatio === undefined) {
    return { retry: { maxAttempts: policy.maxAttempts, retryOnStatus: policy.retryStatuses } };
  }
  const budget = new RetryBudget({ percentCanRetry: policy.retryBudgetRatio });
  return {
    retry: { maxAttempts: 1, retryOnStatus: policy.retryStatuses },
    policy: createRetryPolicy({
      maxAttempts: policy.maxAttempts,
      retryOn: retryable(policy),
      initialDelayMs: 0,
      budget,
    }),
  };
}

/**
 * The Outrigger SDK variant, the ONE place it is assembled: discovery (RegistryWatchInstancer, the registry's long
 * poll) → balancer (round robin or P2C peak-EWMA, outlier ejection) → createLbAxios (per-try timeout, retries on
 * untried instances) over a per-instance connection limit; live config (a watched directory) drains instances.
 */
export function createSdkDownstream(registryUrl: string, policy: MatchedPolicy, policyDir?: string): Downstream {
  const instancer = new RegistryWatchInstancer({ registryUrl: `${registryUrl}/eureka`, service: "upstream" });
  const inner = createBalancer({
    instancer,
    outlierDetection: outlierOptions(policy),
    ...(policy.rule === "p2c-peak-ewma" ? { rule: p2cPeakEwma() } : {}),
  });
  const live = createLiveDrain(policyDir);
  const attempts: Record<string, { count: number; lastAt: number }> = {};
  const marks: Record<string, number> = {};
  inner.onEjection(({ instance }) => {
    marks[`ejectedAt.${instance.id}`] ??= Date.now();
  });
  // Observes every pick, so the report can tell when an instance stopped getting attempts and when the first
  // request followed a changed policy.
  const balancer: Balancer = {
    pick(options = {}) {
      const drained = live.drained();
      const pick = inner.pick({ ...options, avoid: new Set([...(options.avoid ?? []), ...drained]) });
      if (drained.size > 0 && marks.firstPickUnderPolicyAt === undefined) marks.firstPickUnderPolicyAt = epochMs();
      const seen = attempts[pick.instance.id] ?? { count: 0, lastAt: 0 };
      seen.count += 1;
      seen.lastAt = Date.now();
      attempts[pick.instance.id] = seen;
      return pick;
    },
  };
  const failed = failureCounter();
  const http = createLbAxios({
    balancer: (name) => (name === "upstream" ? balancer : undefined),
    perTryTimeoutMs: policy.perTryTimeoutMs,
    ...retrySettings(policy),
    defaults: {
      // maxSockets is per origin, i.e. per instance: HAProxy's server `maxconn`, queueing beyond it as HAProxy does.
      httpAgent: new Agent({ keepAlive: true, maxSockets: policy.maxConnsPerInstance, keepAliveMsecs: 30_000 }),
      validateStatus: (s) => s < 500,
    },
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
    marks: () => ({ ...marks, policyAppliedAt: live.appliedAt() }),
    close: () => {
      live.close();
      instancer.close();
    },
  };
}
