import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import type { ClientPolicy, PolicyRoute, ServicePolicy } from "@outrigger/policy";
import { LivePolicy, type RetryBudgets } from "@outrigger/resilience";
import { balancerParts, pipelineSpec } from "../policy-parts.js";
import type { ResolvedPolicy } from "../safe-defaults.js";
import { compileRouteMatch, type RequestFacts } from "./route-match.js";
import { type SubsetView, subsetView } from "./subset-view.js";

/** One route, compiled: its matcher, cumulative weights, own pipeline, fault and mirror. */
export interface CompiledRoute {
  readonly index: number;
  matches(request: RequestFacts): boolean;
  /**
   * Targets with cumulative weights: the first whose `upTo` exceeds a draw in [0, 100) takes the request. Each has
   * its pipeline: the route's `timeout`/`retry` over its subset's policy when either sets its own, else undefined
   * (the service's).
   */
  readonly targets: readonly Target[];
  readonly fault: PolicyRoute["fault"];
  readonly mirror: (Target & { readonly percentage: number }) | undefined;
}

/** Where a route sends a request: a subset (or the whole service), and the pipeline it runs under. */
export interface Target {
  readonly subset: SubsetView | undefined;
  readonly upTo: number;
  readonly pipeline: LivePolicy | undefined;
}

/** A policy revision ready to serve: what a call holds from its start to its end, whatever arrives meanwhile. */
export interface PolicySnapshot {
  readonly revision: number;
  readonly policy: ServicePolicy;
  /** The destination's subsets, those with a traffic policy of their own holding it. */
  readonly subsets: readonly SubsetView[];
  readonly routes: readonly CompiledRoute[];
  /** Mirrored copies run this pipeline: the service's timeouts, no retries (a copy is never worth a second try). */
  readonly mirrorPipeline: LivePolicy;
}

/** Why a revision cannot be applied; its message goes into the NACK. */
export class UnapplicablePolicy extends Error {}

const EMPTY = new FixedInstancer([]);

/** Builds what `effective` needs the way the clients will, so a policy they would refuse is NACKed before use. */
function checkBuilds(effective: ResolvedPolicy, where: string): void {
  try {
    new LivePolicy(pipelineSpec(effective));
    createBalancer({ instancer: EMPTY, ...balancerParts(effective) }).close();
  } catch (error) {
    throw new UnapplicablePolicy(`${where}: ${(error as Error).message}`);
  }
}

/**
 * Compiles a revision against the service's effective policy (`layerPolicy`'s answer, the code `overrides` in it):
 * subsets into metadata filters (with their own traffic policy over the destination's, `subsetView`), routes into
 * matchers and weighted targets, each route's `timeout`/`retry` into its own pipeline (the target subset's policy,
 * the route's keys replacing its own whole). Throws `UnapplicablePolicy` naming the field for what this SDK cannot apply — so the
 * control plane NACKs it and keeps the previous revision.
 */
export function buildSnapshot(
  service: string,
  revision: number,
  policy: ServicePolicy,
  effective: ResolvedPolicy,
  budgets: RetryBudgets,
  overrides?: ClientPolicy,
): PolicySnapshot {
  checkBuilds(effective, "destination");
  const owner = { service, budgets };
  const subsets = new Map<string, SubsetView>();
  for (const [i, subset] of (policy.destination?.subsets ?? []).entries()) {
    const at = `destination.subsets[${i}]`;
    subsets.set(subset.name, subsetView(subset, at, effective, overrides, checkBuilds, owner));
  }
  const routes = (policy.routes ?? []).map((route, index): CompiledRoute => {
    const own = (base: ResolvedPolicy): ResolvedPolicy => {
      const out = { ...base, ...(route.timeout ? { timeout: route.timeout } : {}) };
      if (route.retry) out.retry = route.retry;
      return out;
    };
    // One pipeline for the route's calls to subsets without a bulkhead of their own; one per subset with one.
    let shared: LivePolicy | undefined;
    const pipelineOf = (subset: SubsetView | undefined): LivePolicy | undefined => {
      if (!route.timeout && !route.retry) return subset?.pipeline;
      if (subset?.pipeline && subset.policy) {
        checkBuilds(own(subset.policy), `routes[${index}]`);
        return new LivePolicy(pipelineSpec(own(subset.policy)), owner);
      }
      if (!shared) {
        checkBuilds(own(effective), `routes[${index}]`);
        shared = new LivePolicy(pipelineSpec(own(effective)), owner);
      }
      return shared;
    };
    let upTo = 0;
    const targets = route.route.map((target): Target => {
      upTo += target.weight ?? (route.route.length === 1 ? 100 : 0);
      const subset = target.subset === undefined ? undefined : subsets.get(target.subset);
      return { subset, upTo, pipeline: pipelineOf(subset) };
    });
    const mirrored = route.mirror?.subset === undefined ? undefined : subsets.get(route.mirror.subset);
    return {
      index,
      matches: compileRouteMatch(route),
      targets,
      fault: route.fault,
      mirror: route.mirror && {
        subset: mirrored,
        upTo: 100,
        // A copy is never worth a second try: the subset's limits and timeouts, no retries.
        pipeline: mirrored?.pipeline && mirrored.policy ? mirrorPipeline(mirrored.policy, owner) : undefined,
        percentage: route.mirror.percentage,
      },
    };
  });
  return { revision, policy, subsets: [...subsets.values()], routes, mirrorPipeline: mirrorPipeline(effective, owner) };
}

/** The pipeline of mirrored copies: `policy`'s timeouts and limits, one attempt. */
function mirrorPipeline(policy: ResolvedPolicy, owner: { service: string; budgets: RetryBudgets }): LivePolicy {
  return new LivePolicy(pipelineSpec({ ...policy, retry: { maxAttempts: 1 } }), owner);
}
