import type { Instancer } from "@outrigger/discovery";
import { createBalancer, type StatefulBalancer } from "@outrigger/loadbalancer";
import { applyBalancerParts, balancerParts } from "../policy-parts.js";
import type { ResolvedPolicy } from "../safe-defaults.js";
import type { PolicySnapshot } from "./policy-snapshot.js";
import { SubsetInstancer } from "./subset-instancer.js";

/** A subset's own balancer, over its own instances, and the policy it was last given. */
interface Part {
  readonly balancer: StatefulBalancer;
  readonly instancer: SubsetInstancer;
  policy: ResolvedPolicy;
}

/**
 * The balancers of subsets whose traffic policy sets a rule, outlier detection or health checks: each is a
 * balancer of its own over the subset's instances, as Istio makes each subset an Envoy cluster of its own (its
 * own load balancer, ejections and checks; pilot's cluster builder, `buildSubsetCluster`). They outlive revisions:
 * a new revision's settings are applied to the balancer in force (its stats and ejections stay), and a subset that
 * no longer sets one has its balancer closed. Owns timers (health checks): `close()`.
 */
export class SubsetBalancers {
  readonly #services = new Map<string, Map<string, Part>>();

  /** The balancer of `subset` of `service` (upper-case), when its traffic policy gives it one. */
  get(service: string, subset: string): StatefulBalancer | undefined {
    return this.#services.get(service)?.get(subset)?.balancer;
  }

  /** Makes, updates or closes `service`'s subset balancers to match `snapshot`, over `instances` (the service's). */
  sync(service: string, snapshot: PolicySnapshot | undefined, instances: Instancer): void {
    const parts = this.#services.get(service) ?? new Map<string, Part>();
    const wanted = new Set<string>();
    for (const view of snapshot?.subsets ?? []) {
      if (!view.ownBalancer || !view.policy) continue;
      wanted.add(view.name);
      const found = parts.get(view.name);
      if (found) {
        found.instancer.select((instance) => view.accepts(instance));
        applyBalancerParts(found.balancer, found.policy, view.policy);
        found.policy = view.policy;
        continue;
      }
      const instancer = new SubsetInstancer(instances, (instance) => view.accepts(instance));
      parts.set(view.name, {
        balancer: createBalancer({ instancer, ...balancerParts(view.policy) }),
        instancer,
        policy: view.policy,
      });
    }
    for (const [name, part] of parts) {
      if (wanted.has(name)) continue;
      parts.delete(name);
      close(part);
    }
    if (parts.size > 0) this.#services.set(service, parts);
    else this.#services.delete(service);
  }

  close(): void {
    for (const parts of this.#services.values()) for (const part of parts.values()) close(part);
    this.#services.clear();
  }
}

function close(part: Part): void {
  part.balancer.close();
  part.instancer.close();
}
