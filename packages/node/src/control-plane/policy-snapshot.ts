import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer, withMetadata } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import type { PolicyRoute, ServicePolicy } from "@outrigger/policy";
import { LivePolicy, type RetryBudgets } from "@outrigger/resilience";
import { balancerParts, pipelineSpec } from "../policy-parts.js";
import type { ResolvedPolicy } from "../safe-defaults.js";
import { compileRouteMatch, type RequestFacts } from "./route-match.js";

/** A subset: its name and whether an instance belongs (every label in its metadata). */
export interface SubsetView {
  readonly name: string;
  accepts(instance: ServiceInstance): boolean;
}

/** One route, compiled: its matcher, cumulative weights, own pipeline, fault and mirror. */
export interface CompiledRoute {
  readonly index: number;
  matches(request: RequestFacts): boolean;
  /** Targets with cumulative weights: the first whose `upTo` exceeds a draw in [0, 100) takes the request. */
  readonly targets: readonly { readonly subset: SubsetView | undefined; readonly upTo: number }[];
  /** The route's pipeline when it sets `timeout` or `retry`; else the service's. */
  readonly pipeline: LivePolicy | undefined;
  readonly fault: PolicyRoute["fault"];
  readonly mirror: { readonly subset: SubsetView | undefined; readonly percentage: number } | undefined;
}

/** A policy revision ready to serve: what a call holds from its start to its end, whatever arrives meanwhile. */
export interface PolicySnapshot {
  readonly revision: number;
  readonly policy: ServicePolicy;
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
 * Compiles a revision against the service's effective policy (`layerPolicy`'s answer): subsets into metadata
 * filters, routes into matchers and weighted targets, each route's `timeout`/`retry` into its own pipeline (the
 * service's other keys, the route's keys replacing them whole). Throws `UnapplicablePolicy` naming the field for
 * what this SDK cannot apply — so the control plane NACKs it and keeps the previous revision.
 */
export function buildSnapshot(
  service: string,
  revision: number,
  policy: ServicePolicy,
  effective: ResolvedPolicy,
  budgets: RetryBudgets,
): PolicySnapshot {
  checkBuilds(effective, "destination");
  const subsets = new Map<string, SubsetView>();
  for (const [i, subset] of (policy.destination?.subsets ?? []).entries()) {
    if (subset.trafficPolicy !== undefined) {
      throw new UnapplicablePolicy(
        `destination.subsets[${i}].trafficPolicy: per-subset overrides are not applied by @outrigger/node; set them on the destination`,
      );
    }
    subsets.set(subset.name, { name: subset.name, accepts: withMetadata(subset.labels) });
  }
  const routes = (policy.routes ?? []).map((route, index): CompiledRoute => {
    let upTo = 0;
    const targets = route.route.map((target) => {
      upTo += target.weight ?? (route.route.length === 1 ? 100 : 0);
      return { subset: target.subset === undefined ? undefined : subsets.get(target.subset), upTo };
    });
    let pipeline: LivePolicy | undefined;
    if (route.timeout || route.retry) {
      const own = { ...effective, ...(route.timeout ? { timeout: route.timeout } : {}) };
      if (route.retry) own.retry = route.retry;
      checkBuilds(own, `routes[${index}]`);
      pipeline = new LivePolicy(pipelineSpec(own), { service, budgets });
    }
    return {
      index,
      matches: compileRouteMatch(route),
      targets,
      pipeline,
      fault: route.fault,
      mirror: route.mirror && {
        subset: route.mirror.subset === undefined ? undefined : subsets.get(route.mirror.subset),
        percentage: route.mirror.percentage,
      },
    };
  });
  const mirrorPipeline = new LivePolicy(pipelineSpec({ ...effective, retry: { maxAttempts: 1 } }), {
    service,
    budgets,
  });
  return { revision, policy, routes, mirrorPipeline };
}
