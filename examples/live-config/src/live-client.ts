import type { LiveConfig } from "@outrigger/config";
import type { Instancer } from "@outrigger/discovery";
import { type Balancer, createBalancer, RoundRobinRule, type Rule } from "@outrigger/loadbalancer";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { createRetryPolicy, type Policy, type Retry } from "@outrigger/resilience";
import type { AxiosInstance } from "axios";
import type { Settings } from "./settings.js";
import { ZoneAffinityRule } from "./zone-affinity-rule.js";

/** A load-balanced HTTP client whose retry count and balancing rule follow live settings. */
export interface LiveClient {
  readonly http: AxiosInstance;
  /** Retries made so far (all services). */
  retries(): number;
  close(): void;
}

function ruleFor(lb: Settings["client"]["lb"]): Rule {
  return lb.rule === "zone-affinity" ? new ZoneAffinityRule(lb.zone) : new RoundRobinRule();
}

/**
 * Builds the client once; when `client.retry` or `client.lb` changes, a new retry policy or new balancers are
 * built and swapped in with one assignment each. A request already running keeps the objects it started with,
 * a new one takes the new ones, so no request sees half a change.
 */
export function createLiveClient(
  settings: LiveConfig<Settings>,
  instancers: Readonly<Record<string, Instancer>>,
): LiveClient {
  let retryCount = 0;
  const buildRetry = (maxAttempts: number): Retry => {
    const retry = createRetryPolicy({ maxAttempts, initialDelayMs: 1, maxDelayMs: 20 });
    retry.onRetry(() => retryCount++);
    return retry;
  };
  const buildBalancers = (lb: Settings["client"]["lb"]): Map<string, Balancer> =>
    new Map(
      Object.entries(instancers).map(([service, instancer]) => [
        service,
        createBalancer({ instancer, rule: ruleFor(lb) }),
      ]),
    );

  let retry = buildRetry(settings.value.client.retry.maxAttempts);
  let balancers = buildBalancers(settings.value.client.lb);
  const subs = [
    settings.subscribe<Settings["client"]["retry"]>("client.retry", () => {
      retry = buildRetry(settings.value.client.retry.maxAttempts);
    }),
    settings.subscribe<Settings["client"]["lb"]>("client.lb", () => {
      balancers = buildBalancers(settings.value.client.lb);
    }),
  ];
  // The axios instance keeps these two indirections; what they point at changes.
  const policy: Policy = { execute: (fn, signal) => retry.execute(fn, signal) };
  const http = createLbAxios({ balancer: (service) => balancers.get(service), policy, defaults: { timeout: 2_000 } });
  return {
    http,
    retries: () => retryCount,
    close: () => {
      for (const sub of subs) sub.dispose();
    },
  };
}
