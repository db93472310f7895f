import { AsyncLocalStorage } from "node:async_hooks";
import type { ServiceInstance } from "@outrigger/discovery";
import type { Balancer, Pick, PickOptions } from "@outrigger/loadbalancer";
import type { AttemptPolicy } from "@outrigger/loadbalancer/undici";
import type { SubsetView } from "./subset-view.js";

/** What one call chose at its start: held to its end, so a new revision never changes a call in flight. */
export interface CallChoice {
  /** The destination service, upper-case. */
  readonly service: string;
  readonly subset: SubsetView | undefined;
  /** The route's pipeline (own timeout/retry), or undefined for the service's. */
  readonly pipeline: AttemptPolicy | undefined;
}

/**
 * The call's choice travels with its async context (node's AsyncLocalStorage): the transports call the balancer and
 * pipeline of a service by name only, and retries run inside the call, so every attempt sees the same choice.
 */
const calls = new AsyncLocalStorage<CallChoice>();

/** Runs `fn` (a call and its retries) under `choice`. */
export function runRouted<T>(choice: CallChoice, fn: () => T): T {
  return calls.run(choice, fn);
}

function choiceFor(service: string): CallChoice | undefined {
  const choice = calls.getStore();
  return choice && choice.service === service.toUpperCase() ? choice : undefined;
}

/**
 * The pick options that keep a pick inside `subset`: every other instance is avoided, and `untriedOnly` turns
 * "nothing left but avoided ones" into LB_ALL_INSTANCES_TRIED instead of a pick outside the subset. The service's
 * own balancer picks, so its rule, stats, ejections and in-flight count stay one per service.
 */
function inSubset(
  options: PickOptions | undefined,
  subset: SubsetView,
  instances: readonly ServiceInstance[],
): PickOptions {
  const avoid = new Set(options?.avoid);
  for (const instance of instances) if (!subset.accepts(instance)) avoid.add(instance.id);
  return { ...options, avoid, untriedOnly: true, attempt: options?.attempt ?? 1 };
}

/** The service's own balancer (og's `ServiceBalancer`): it also counts the picks made by a subset's balancer. */
export interface ServiceBalancing extends Balancer {
  /** Counts `pick` as the service's (in flight until done, so an idle close never cuts it). */
  adopt(pick: Pick): Pick;
}

/**
 * A service's balancer that picks within the call's subset when its route chose one: with the subset's own
 * balancer when its traffic policy sets one (`subsetBalancer`), else with the service's, every other instance
 * avoided (`inSubset`).
 */
export function routedBalancer(
  service: string,
  base: ServiceBalancing,
  instances: () => readonly ServiceInstance[],
  subsetBalancer: (subset: SubsetView) => Balancer | undefined,
): Balancer {
  const route = () => {
    const subset = choiceFor(service)?.subset;
    return { subset, own: subset?.ownBalancer ? subsetBalancer(subset) : undefined };
  };
  const options = (given: PickOptions | undefined, subset: SubsetView | undefined) =>
    subset ? inSubset(given, subset, instances()) : given;
  return {
    pick: (given) => {
      const { subset, own } = route();
      return own ? base.adopt(own.pick(given)) : base.pick(options(given, subset));
    },
    acquire: async (given, signal) => {
      const { subset, own } = route();
      if (own) return base.adopt(own.acquire ? await own.acquire(given, signal) : own.pick(given));
      const picked = options(given, subset);
      return base.acquire ? base.acquire(picked, signal) : base.pick(picked);
    },
    hasUntried: (avoid) => {
      const { subset, own } = route();
      if (own) return own.hasUntried?.(avoid) ?? false;
      return base.hasUntried?.(options({ avoid }, subset)?.avoid ?? avoid) ?? false;
    },
  };
}

/** A service's pipeline that runs the call's own one when it has one (its route's timeout/retry, subset's bulkhead). */
export function routedPolicy(service: string, base: AttemptPolicy): AttemptPolicy {
  return {
    execute: (fn, signal, call) => (choiceFor(service)?.pipeline ?? base).execute(fn, signal, call),
  };
}
