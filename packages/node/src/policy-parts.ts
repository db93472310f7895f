import type { BalancerOptions, RuleSpec, StatefulBalancer } from "@outrigger/loadbalancer";
import type { PolicySpec } from "@outrigger/resilience";
import type { ResolvedPolicy } from "./safe-defaults.js";

/**
 * The resilience pipeline of a policy (`@outrigger/resilience`'s `PolicySpec`): parts set to false are left out, and
 * so is `fallback`, which og applies around the whole call (fallback.ts): the lb transports deliver the answer to
 * the caller themselves, so a value a policy returns instead would never reach it.
 */
export function pipelineSpec(policy: ResolvedPolicy): PolicySpec {
  const spec: Record<string, unknown> = { retry: policy.retry, timeout: policy.timeout };
  if (policy.circuitBreaker) spec.circuitBreaker = policy.circuitBreaker;
  if (policy.bulkhead) spec.bulkhead = policy.bulkhead;
  if (policy.rateLimit) spec.rateLimit = policy.rateLimit;
  if (policy.hedge) spec.hedge = policy.hedge;
  if (policy.adaptiveLimit) spec.adaptiveLimit = policy.adaptiveLimit;
  return spec as PolicySpec;
}

/** The balancer's share of a policy: everything but the instancer. */
export type BalancerParts = Pick<BalancerOptions, "rule" | "outlierDetection" | "healthCheck">;

/** The balancer options of a policy. */
export function balancerParts(policy: ResolvedPolicy): BalancerParts {
  return {
    rule: policy.rule as RuleSpec,
    outlierDetection: policy.outlierDetection,
    ...(policy.healthCheck ? { healthCheck: policy.healthCheck } : {}),
  };
}

/**
 * Applies `next`'s balancer keys that differ from `before`'s to the balancer in force, never a new one: EWMA,
 * requests in flight and ejections stay (an instance ejected now stays out until its ejection ends).
 */
export function applyBalancerParts(balancer: StatefulBalancer, before: ResolvedPolicy, next: ResolvedPolicy): void {
  const changed = (key: keyof ResolvedPolicy) => JSON.stringify(next[key]) !== JSON.stringify(before[key]);
  if (changed("outlierDetection")) balancer.setOutlierDetection(next.outlierDetection);
  if (changed("healthCheck")) balancer.setHealthCheck(next.healthCheck);
  if (changed("rule")) balancer.setRule(next.rule as RuleSpec);
}
