import type { LiveConfig } from "@outrigger/config";
import type { Instancer } from "@outrigger/discovery";
import { createBalancer, type RuleSpec, type StatefulBalancer } from "@outrigger/loadbalancer";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { LivePolicy, RetryBudgets } from "@outrigger/resilience";
import type { AxiosInstance } from "axios";
import { policyFor, type Settings } from "./settings.js";

/** A load-balanced HTTP client whose policies (retry count, rate limit, …) and balancing rule follow live settings. */
export interface LiveClient {
  /** The HTTP client of one service, with that service's pipeline: `http("hello").get("lb://hello/")`. */
  http(service: string): AxiosInstance;
  /** The live pipeline of one service (its spec, events such as `onRejected`). */
  policy(service: string): LivePolicy;
  /** Retries made so far (all services). */
  retries(): number;
  /** Stops following the settings and closes every balancer (their instancer subscriptions). */
  close(): void;
}

/**
 * Builds the client once, with one `LivePolicy` per service (so each has its own rate limit and retry budget).
 * When `client.policy` or `client.policies` changes, every service's `LivePolicy.apply`s its new spec — an atomic
 * swap that keeps unchanged stateful parts, so a rate limit whose settings did not change keeps its window; when
 * `client.lb.rule` changes, each balancer takes the new rule with `setRule` — its per-instance stats and ejections
 * stay, and nothing is rebuilt, so nothing needs closing. A request already running keeps what it started with, a
 * new one takes the new parts, so no request sees half a change.
 */
export function createLiveClient(
  settings: LiveConfig<Settings>,
  instancers: Readonly<Record<string, Instancer>>,
): LiveClient {
  const services = Object.keys(instancers);
  const budgets = new RetryBudgets();
  let retryCount = 0;
  const policies = new Map(
    services.map((service) => {
      const live = new LivePolicy(policyFor(settings.value.client, service), { service, budgets });
      live.onRetry(() => retryCount++);
      return [service, live] as const;
    }),
  );
  const rule = (): RuleSpec => settings.value.client.lb.rule as RuleSpec;
  const balancers = new Map<string, StatefulBalancer>(
    Object.entries(instancers).map(([service, instancer]) => [service, createBalancer({ instancer, rule: rule() })]),
  );

  // The schema built every spec before this runs (see settings.ts), so apply does not throw halfway through.
  // Both subscriptions fire when both sections change in one update; the second finds that value applied already.
  let appliedFrom = settings.value;
  const applyPolicies = () => {
    if (settings.value === appliedFrom) return;
    appliedFrom = settings.value;
    for (const [service, live] of policies) live.apply(policyFor(settings.value.client, service));
  };
  const subs = [
    settings.subscribe("client.policy", applyPolicies),
    settings.subscribe("client.policies", applyPolicies),
    // The schema built the spec already (settings.ts), so setRule does not throw here.
    settings.subscribe("client.lb", () => {
      for (const balancer of balancers.values()) balancer.setRule(rule());
    }),
  ];
  // One axios instance per service, since createLbAxios takes one policy.
  const https = new Map(
    services.map((service) => [
      service,
      createLbAxios({
        balancer: (name) => (name === service ? balancers.get(name) : undefined),
        policy: policies.get(service) as LivePolicy,
        defaults: { timeout: 2_000 },
      }),
    ]),
  );
  const known = <V>(map: ReadonlyMap<string, V>, service: string): V => {
    const found = map.get(service);
    if (!found) throw new Error(`no service "${service}": pass its instancer to createLiveClient`);
    return found;
  };
  return {
    http: (service) => known(https, service),
    policy: (service) => known(policies, service),
    retries: () => retryCount,
    close: () => {
      for (const sub of subs) sub.dispose();
      for (const balancer of balancers.values()) balancer.close();
    },
  };
}
