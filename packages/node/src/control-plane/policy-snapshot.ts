import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import type { ClientPolicy, PolicyRoute, ServicePolicy } from "@outrigger/policy";
import { LivePolicy, type RetryBudgets } from "@outrigger/resilience";
import { balancerParts, pipelineSpec } from "../policy-parts.js";
import type { ResolvedPolicy } from "../safe-defaults.js";
import { CompiledParts } from "./compiled-parts.js";
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
  /**
   * Mirrored copies run this pipeline: the service's timeouts, no retries (a copy is never worth a second try).
   * Made only when a route mirrors to a subset without a pipeline of its own (the only copies that run it).
   */
  readonly mirrorPipeline: LivePolicy | undefined;
  /** What the revision was compiled into, for the next one to reuse (`CompiledParts`). */
  readonly parts: CompiledParts;
}

/** Why a revision cannot be applied; its message goes into the NACK. */
export class UnapplicablePolicy extends Error {}

const EMPTY = new FixedInstancer([]);

/** The service's retry budgets and name, which every pipeline of a revision is made with. */
interface Owner {
  readonly service: string;
  readonly budgets: RetryBudgets;
}

/** The pipeline every check of a service applies its spec to: one, carried from revision to revision. */
interface PipelineChecker {
  live: LivePolicy | undefined;
}

/**
 * Builds what `effective` needs the way the clients will, so a policy they would refuse is NACKed before use. A
 * pipeline or balancer setting built before (this revision or the one in force: `parts`) is not built again. A new
 * pipeline is checked by applying it to one checking `LivePolicy` the revisions share (validated, then built: what
 * `LivePolicy` refuses, the check refuses) instead of making a `LivePolicy` per check: its constructor costs ~5×
 * an `apply` (event sources, a retry budget, every stateful part; bench:policy-push's profile), and a part whose
 * settings did not change was checked when they were first seen.
 */
function checker(parts: CompiledParts): (effective: ResolvedPolicy, where: string) => void {
  const shared = parts.get<PipelineChecker>("pipeline checker", "", () => ({ live: undefined }));
  return (effective, where) => {
    try {
      const pipeline = pipelineSpec(effective);
      parts.get("checked pipeline", JSON.stringify(pipeline), () => {
        if (shared.live) shared.live.apply(pipeline);
        else shared.live = new LivePolicy(pipeline);
        return true;
      });
      const balancer = balancerParts(effective);
      parts.get("checked balancer", JSON.stringify(balancer), () => {
        createBalancer({ instancer: EMPTY, ...balancer }).close();
        return true;
      });
    } catch (error) {
      throw new UnapplicablePolicy(`${where}: ${(error as Error).message}`);
    }
  };
}

/**
 * Compiles a revision against the service's effective policy (`layerPolicy`'s answer, the code `overrides` in it):
 * subsets into metadata filters (with their own traffic policy over the destination's, `subsetView`), routes into
 * matchers and weighted targets, each route's `timeout`/`retry` into its own pipeline (the target subset's policy,
 * the route's keys replacing its own whole). Each subset, route and pipeline whose content is the same as in
 * `previous` (the revision in force) is taken from it as it is (`CompiledParts`). Throws `UnapplicablePolicy`
 * naming the field for what this SDK cannot apply — so the control plane NACKs it and keeps the previous revision.
 */
export function buildSnapshot(
  service: string,
  revision: number,
  policy: ServicePolicy,
  effective: ResolvedPolicy,
  budgets: RetryBudgets,
  overrides?: ClientPolicy,
  previous?: PolicySnapshot,
): PolicySnapshot {
  const parts = new CompiledParts(previous?.parts);
  const check = checker(parts);
  check(effective, "destination");
  const owner = { service, budgets };
  const base = JSON.stringify(effective);
  const subsets = new Map<string, SubsetView>();
  /** Per subset, the content its view was built from (a subset with its own policy is built over `effective`). */
  const subsetContent = new Map<string, string>();
  for (const [i, subset] of (policy.destination?.subsets ?? []).entries()) {
    const content = `${JSON.stringify(subset)} ${subset.trafficPolicy ? base : ""}`;
    const at = `destination.subsets[${i}]`;
    subsets.set(
      subset.name,
      parts.get("subset", content, () => subsetView(subset, at, effective, overrides, check, owner)),
    );
    subsetContent.set(subset.name, content);
  }
  const routes = (policy.routes ?? []).map((route, index): CompiledRoute => {
    const uses = [...route.route.map((t) => t.subset), route.mirror?.subset].map((n) => subsetContent.get(n ?? ""));
    const content = JSON.stringify([index, route, route.timeout || route.retry ? base : "", uses]);
    return parts.get("route", content, () => compileRoute(route, index, effective, subsets, check, owner));
  });
  const mirrored = routes.some((r) => r.mirror && !r.mirror.pipeline);
  const mirror = mirrored ? parts.get("mirror", base, () => mirrorPipeline(effective, owner)) : undefined;
  return { revision, policy, subsets: [...subsets.values()], routes, mirrorPipeline: mirror, parts: parts.seal() };
}

/** One route of a revision: its matcher, its weighted targets each with its pipeline, its fault and mirror. */
function compileRoute(
  route: PolicyRoute,
  index: number,
  effective: ResolvedPolicy,
  subsets: ReadonlyMap<string, SubsetView>,
  check: (policy: ResolvedPolicy, where: string) => void,
  owner: Owner,
): CompiledRoute {
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
      check(own(subset.policy), `routes[${index}]`);
      return new LivePolicy(pipelineSpec(own(subset.policy)), owner);
    }
    if (!shared) {
      check(own(effective), `routes[${index}]`);
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
}

/** The pipeline of mirrored copies: `policy`'s timeouts and limits, one attempt. */
function mirrorPipeline(policy: ResolvedPolicy, owner: Owner): LivePolicy {
  return new LivePolicy(pipelineSpec({ ...policy, retry: { maxAttempts: 1 } }), owner);
}
