import { type ServiceInstance, withMetadata } from "@outrigger/discovery";
import type { ClientPolicy, DestinationPolicy } from "@outrigger/policy";
import { LivePolicy, type RetryBudgets } from "@outrigger/resilience";
import { pipelineSpec } from "../policy-parts.js";
import type { ResolvedPolicy } from "../safe-defaults.js";
import { layerPolicy } from "./layering.js";

/** One subset of the destination, as `destination.subsets[]` defines it. */
type Subset = NonNullable<DestinationPolicy["subsets"]>[number];

/** The keys of a subset's traffic policy that its balancer holds (the rest, the bulkhead, are the pipeline's). */
const BALANCER_KEYS = ["rule", "outlierDetection", "healthCheck"] as const;

/** A subset: its name, whether an instance belongs (every label in its metadata), and its own traffic policy. */
export interface SubsetView {
  readonly name: string;
  accepts(instance: ServiceInstance): boolean;
  /**
   * The destination's policy with the subset's `trafficPolicy` keys over it, when it has one (else undefined):
   * Istio's semantics, each key the subset sets replaces the destination's whole (MergeTrafficPolicy).
   */
  readonly policy: ResolvedPolicy | undefined;
  /** True when the subset sets a balancer key: its calls pick with a balancer of its own (`SubsetBalancers`). */
  readonly ownBalancer: boolean;
  /** The subset's pipeline when it sets its own bulkhead (a connection limit of its own); else undefined. */
  readonly pipeline: LivePolicy | undefined;
}

/**
 * A subset of `effective` (the destination's policy as the service's clients run it): its selector and, with a
 * `trafficPolicy`, its own policy — the subset's keys over the destination's, the app's code `overrides` still on
 * top (the README's precedence) — checked by `check` (which builds it, throwing for what cannot be applied) and,
 * for a bulkhead of its own, its own pipeline. Subset-level settings override the destination's
 * (https://istio.io/latest/docs/reference/config/networking/destination-rule/#Subset: "Settings specified at the
 * subset level will override the corresponding settings specified at the DestinationRule level"; istio/istio
 * pilot/pkg/networking/util MergeSubsetTrafficPolicy replaces loadBalancer, connectionPool, outlierDetection whole).
 */
export function subsetView(
  subset: Subset,
  at: string,
  effective: ResolvedPolicy,
  overrides: ClientPolicy | undefined,
  check: (policy: ResolvedPolicy, where: string) => void,
  owner: { readonly service: string; readonly budgets: RetryBudgets },
): SubsetView {
  const override = subset.trafficPolicy;
  const accepts = withMetadata(subset.labels);
  if (!override) return { name: subset.name, accepts, policy: undefined, ownBalancer: false, pipeline: undefined };
  const policy = layerPolicy(effective, { destination: override }, overrides);
  check(policy, `${at}.trafficPolicy`);
  return {
    name: subset.name,
    accepts,
    policy,
    ownBalancer: BALANCER_KEYS.some((key) => override[key] !== undefined),
    pipeline: override.bulkhead === undefined ? undefined : new LivePolicy(pipelineSpec(policy), owner),
  };
}
