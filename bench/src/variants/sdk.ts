import { type Instancer, RegistryWatchInstancer } from "@outrigger/discovery";
import {
  type Balancer,
  createBalancer,
  type HealthCheckOptions,
  type OutlierOptions,
  type Pick,
  type PickOptions,
  type Probe,
  p2cPeakEwma,
  tcpProbe,
} from "@outrigger/loadbalancer";
import { createLbAxios, type RetryOptions } from "@outrigger/loadbalancer/axios";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { RetryBudget } from "@outrigger/resilience";
import type { AxiosError } from "axios";
import { epochMs } from "../proc/clock.js";
import { createCentralRoute } from "./central-route.js";
import {
  answerOf,
  type CallAnswer,
  type Downstream,
  failureCounter,
  keepAliveAgent,
  undiciPoolOptions,
} from "./downstream.js";
import { createLiveDrain } from "./live-drain.js";
import {
  EJECTION_MS,
  HEALTH_CHECK,
  HEALTH_CHECK_TIMEOUT_MS,
  HEALTH_PORT_KEY,
  type MatchedPolicy,
  PANIC,
  type PolicySource,
  QUEUE_TIMEOUT_MS,
} from "./policy.js";

/**
 * What the matched policy asks for that the SDK still cannot express as the sidecar does. Everything else (outlier
 * ejection, active health checks, per-try timeout, retries to untried instances, per-instance concurrency limit,
 * retry budget, watch discovery, live config, P2C) is wired in `createSdkDownstream` below.
 */
export const SDK_GAPS: readonly string[] = [
  "Policy changes: the central push (the registry's policy, in the watch answer) and live config carry here only which instances get traffic (a route to a subset; a drain list); retries, timeouts and ejection stay fixed per process in this bench (`@outrigger/node`'s control plane applies those keys too). The bench client applies a route's subsets itself, the way og's control plane picks (`central-route.ts`), not through og.",
  "Every instance out: the SDK fails fast (LB_PANIC) when all are ejected, as HAProxy answers 503 when all are marked down; but when all fail their active checks and none is ejected, the SDK's availability filter uses them all (better some than none) where HAProxy answers 503. No scenario here reaches that case.",
  "The concurrency limit counts requests in flight per instance (Envoy's `max_requests`), HAProxy's `maxconn` counts connections: the same thing with one request per connection, as both run here.",
];

/**
 * A TCP connect probe to the instance's health port (its `healthPort` metadata), as HAProxy's `check port N`: the
 * traffic port then sees only requests, so the kill scenario can count every attempt at it on both sides.
 */
function healthPortProbe(): Probe {
  const tcp = tcpProbe();
  return (instance, signal) => {
    const port = Number(instance.metadata[HEALTH_PORT_KEY]);
    return tcp(Number.isInteger(port) && port > 0 ? { ...instance, port } : instance, signal);
  };
}

/**
 * Active health checks matched to HAProxy's `check port N inter 1s fall 3 rise 2`: a connect-only probe (HAProxy's
 * plain `check` is a TCP connect), no jitter (HAProxy spreads first checks but runs each server's at `inter`).
 */
const HEALTH_CHECKS: HealthCheckOptions = {
  probe: healthPortProbe(),
  intervalMs: HEALTH_CHECK.interMs,
  timeoutMs: HEALTH_CHECK_TIMEOUT_MS,
  unhealthyThreshold: HEALTH_CHECK.fall,
  healthyThreshold: HEALTH_CHECK.rise,
  jitterMs: 0,
};

/**
 * Outlier ejection matched to HAProxy's `observe layer7 error-limit N on-error mark-down`: N failures in a row
 * (5xx, timeouts, connection errors) eject; no success-rate rule, no growing ejections, no cap on how many are
 * ejected (HAProxy marks every failing server down), and fail-fast when none is left (see `PANIC`). As with HAProxy,
 * passing active checks bring an ejected instance back and failing ones keep it out; the ejection time is only a
 * fallback. `keptOnly` (the policy's `judge: "kept-response"`): a 5xx or per-try timeout retried on another
 * instance does not count, as HAProxy's L7 retry happens before `health_adjust` — the SDK's own option
 * `countRetriedAttempts: false`; off, every attempt counts (the SDK's default, Envoy's rule).
 */
export function outlierOptions(policy: MatchedPolicy, keptOnly = policy.judge === "kept-response"): OutlierOptions {
  return {
    consecutive5xx: policy.ejectAfterErrors,
    countRetriedAttempts: !keptOnly,
    // No success-rate rule: more hosts than any fleet has must reach the volume.
    successRateMinimumHosts: Number.MAX_SAFE_INTEGER,
    baseEjectionTimeMs: EJECTION_MS,
    maxEjectionTimeMs: EJECTION_MS,
    maxEjectionPercent: 100,
  };
}

/** The built-in retries (each on an untried instance), within a retry budget in the budget arm. */
function retrySettings(policy: MatchedPolicy): RetryOptions {
  return {
    maxAttempts: policy.maxAttempts,
    retryOnStatus: policy.retryStatuses,
    ...(policy.retryBudgetRatio !== undefined
      ? { budget: new RetryBudget({ percentCanRetry: policy.retryBudgetRatio }) }
      : {}),
  };
}

/**
 * How the SDK client sends: `axios` is `createLbAxios` as shipped (its default transport, undici underneath);
 * `axios-http` the same on axios's http adapter (`transport: "http"`, the opt-in `sdk-axios-http` variant);
 * `undici` is `createLbDispatcher` with `undici.request`.
 */
export type SdkClient = "axios" | "axios-http" | "undici";

/**
 * The Outrigger SDK variant, the ONE place it is assembled: discovery (RegistryWatchInstancer, the registry's long
 * poll) → balancer (round robin or P2C peak-EWMA, outlier ejection, active health checks, per-instance concurrency
 * limit, fail-fast when every instance is out) → `createLbAxios` or `createLbDispatcher` (the same pipeline on undici:
 * per-try timeout, retries on untried instances, optionally within a retry budget); the policy changes either from
 * live config (a watched directory: a drain list) or from the registry's control plane (`central`: the service's
 * policy in the same watch answer, a route to subsets; ACKed back).
 */
export function createSdkDownstream(
  registryUrl: string,
  policy: MatchedPolicy,
  policyDir?: string,
  transport: SdkClient = "axios",
  source: PolicySource = "file",
  /**
   * Apply the policy's `judge` rule (failure runs: `countRetriedAttempts: false` for `kept-response`); off, every
   * attempt is judged, the SDK's default (see `VariantOptions`).
   */
  judged = false,
): Downstream {
  const instancer = new RegistryWatchInstancer({ registryUrl: `${registryUrl}/eureka`, service: "upstream" });
  const inner = createBalancer({
    instancer,
    outlierDetection: outlierOptions(policy, judged && policy.judge === "kept-response"),
    healthCheck: HEALTH_CHECKS,
    maxInFlightPerInstance: policy.maxConnsPerInstance,
    queueTimeoutMs: QUEUE_TIMEOUT_MS,
    panic: PANIC,
    ...(policy.rule === "p2c-peak-ewma" ? { rule: p2cPeakEwma() } : {}),
  });
  const central = source === "central";
  const live = central
    ? createCentralRoute(instancer, `bench-${transport}-${process.pid}`)
    : createLiveDrain(policyDir);
  const attempts: Record<string, { count: number; lastAt: number }> = {};
  const marks: Record<string, number> = {};
  inner.onEjection(({ instance }) => {
    // The latest ejection: after a kill, the one that took the dead instance out (an earlier one may have ended).
    marks[`ejectedAt.${instance.id}`] = epochMs();
    marks.ejections = (marks.ejections ?? 0) + 1;
  });
  // Keeps every pick off the drained instances. Under a central route, as og's control plane picks inside a subset
  // (routed-call.ts): a retry never leaves it (`untriedOnly`), which without `attempt` would count as a retry.
  const observed = (options: PickOptions): PickOptions => {
    const drained = live.drained();
    if (drained.size === 0) return options;
    const avoid = new Set([...(options.avoid ?? []), ...drained]);
    return central ? { ...options, avoid, untriedOnly: true, attempt: options.attempt ?? 1 } : { ...options, avoid };
  };
  const seen = (pick: Pick): Pick => {
    const counted = attempts[pick.instance.id] ?? { count: 0, lastAt: 0 };
    counted.count += 1;
    counted.lastAt = Date.now();
    attempts[pick.instance.id] = counted;
    return pick;
  };
  const balancer: Balancer = {
    pick: (options = {}) => seen(inner.pick(observed(options))),
    // createLbAxios waits through acquire when every instance is at its concurrency limit.
    acquire: async (options = {}, signal) => seen(await inner.acquire(observed(options), signal)),
    // Forwarded, or every failure would count as kept: the clients ask it before reporting a retried attempt.
    hasUntried: (avoid) => inner.hasUntried(observed({ avoid }).avoid ?? avoid),
  };
  const failed = failureCounter();
  const send =
    transport === "undici"
      ? undiciSender(balancer, instancer, policy)
      : axiosSender(balancer, instancer, policy, transport);
  return {
    async call() {
      try {
        const answer = await send();
        if (answer.status >= 500) failed.count({ response: { status: answer.status } });
        return answer;
      } catch (error) {
        failed.count(error);
        return { status: (error as AxiosError).response?.status ?? 502 };
      }
    },
    attempts: () => attempts,
    failures: () => failed.counts,
    marks: () => ({ ...marks, policyAppliedAt: live.appliedAt() }),
    close: () => {
      live.close();
      inner.close();
      instancer.close();
    },
  };
}

/**
 * `createLbAxios` with the matched policy; a 5xx left after the retries is thrown (with its response). As shipped
 * (`axios`) it sends through its default undici transport with that transport's own pools (one `Pool` per instance,
 * undici's defaults): no agent of the caller's, which would send the request to the http adapter instead. On the
 * http adapter (`axios-http`) it gets the keep-alive agent every axios client here uses.
 */
export function axiosSender(
  balancer: Balancer,
  instancer: Instancer,
  policy: MatchedPolicy,
  transport: "axios" | "axios-http",
): () => Promise<CallAnswer> {
  const http = createLbAxios({
    balancer: (name) => (name === "upstream" ? balancer : undefined),
    // As createOutrigger wires it: the undici transport closes a pool when its instance leaves the registry's set.
    instancer: (name) => (name === "upstream" ? instancer : undefined),
    perTryTimeoutMs: policy.perTryTimeoutMs,
    retry: retrySettings(policy),
    ...(transport === "axios-http" ? { transport: "http" as const } : {}),
    defaults: {
      // The agent every axios client uses (256 sockets per origin): the balancer's maxInFlightPerInstance is the limit.
      ...(transport === "axios-http" ? { httpAgent: keepAliveAgent() } : {}),
      validateStatus: (s) => s < 500,
    },
  });
  return async () => {
    const response = await http.get("lb://upstream/work");
    return answerOf(response.status, response.headers as Record<string, string | undefined>);
  };
}

/** `createLbDispatcher` (undici), the same policy; its pools close when an instance leaves the registry's set. */
function undiciSender(
  balancer: Balancer,
  instancer: RegistryWatchInstancer,
  policy: MatchedPolicy,
): () => Promise<CallAnswer> {
  const dispatcher = createLbDispatcher({
    balancer: (name) => (name === "upstream" ? balancer : undefined),
    instancer: () => instancer,
    perTryTimeoutMs: policy.perTryTimeoutMs,
    retry: retrySettings(policy),
    pool: undiciPoolOptions(),
  });
  return async () => {
    const response = await dispatcher.request({ origin: "lb://upstream", path: "/work", method: "GET" });
    await response.body.dump();
    return answerOf(response.statusCode, response.headers);
  };
}
