import { type Clock, monotonicClock } from "@outrigger/core";
import type { Instancer } from "@outrigger/discovery";
import { createBalancer, type StatefulBalancer } from "@outrigger/loadbalancer";
import { LivePolicy, RetryBudgets } from "@outrigger/resilience";
import type { ResolvedOutriggerConfig } from "./config-schema.js";
import { OutriggerNodeError } from "./errors.js";
import { ForwardingInstancer } from "./forwarding-instancer.js";
import { applyBalancerParts, balancerParts, pipelineSpec } from "./policy-parts.js";
import { policyFor, type ResolvedPolicy } from "./safe-defaults.js";
import { type BalancerHost, ServiceBalancer, unknownServiceError } from "./service-balancer.js";

/** Unknown names remembered at once (the negative cache's bound). */
const MAX_UNKNOWN = 1_024;

/** One service in use: its instancer, balancer and pipeline, made on first use. */
interface Entry extends BalancerHost {
  readonly instancer: Instancer;
  readonly inner: StatefulBalancer;
  readonly live: LivePolicy;
  readonly balancer: ServiceBalancer;
  policy: ResolvedPolicy;
  lastUsed: number;
}

/** Options of `createServiceClients`. */
export interface ServiceClientsOptions {
  readonly config: () => ResolvedOutriggerConfig;
  /** The instancer of a service on the configured registry (registry-parts.ts). */
  readonly instancer: (service: string) => Instancer;
  readonly clock?: Clock;
  /** Layers more on top of each service's config policy (the control plane's revision, code overrides). */
  readonly layer?: (service: string, local: ResolvedPolicy) => ResolvedPolicy;
}

/** The per-service parts behind `og.http`, `og.fetch` and `og.dispatcher`. */
export interface ServiceClients {
  /** The service's balancer, made on first use. */
  balancer(service: string): ServiceBalancer;
  /** The service's live pipeline (retry, timeouts, breaker, bulkhead, rate limit), made on first use. */
  policy(service: string): LivePolicy;
  /** A stable instancer per service (the dispatcher closes pools of instances that leave it). */
  instancer(service: string): Instancer;
  /** The services in use now. */
  services(): string[];
  /** Retries `service`'s retry budget allows now; undefined before its first retry decision. */
  budgetBalance(service: string): number | undefined;
  /** Applies a new (valid) config to the services in use (only to `service`, in any case, when given: its central
   *  policy changed): the rule, outlier detection and health checks set on the balancer in force (its stats kept), the
   *  pipeline applied. */
  apply(config: ResolvedOutriggerConfig, service?: string): void;
  /**
   * Makes each of `names` now (its watch opens) and keeps it: never idle-closed, never dropped as unknown, so its
   * first request finds discovery's answer there (`clients.eagerLoad`, Spring Cloud LoadBalancer's eager load).
   * Services pinned before and not in `names` go back to the idle rules. Throws the first error met (a name
   * `maxServices` leaves no room for: OUTRIGGER_TOO_MANY_SERVICES) after making the others.
   */
  pin(names: readonly string[]): void;
  /** Closes services unused for `clients.idleCloseMs` with nothing in flight (pinned ones never); their names. */
  sweep(): string[];
  close(): void;
}

/**
 * Makes each service's instancer, balancer and `LivePolicy` on first use from its config section (or the safe
 * defaults), swaps their settings when the config changes, and closes them when idle (`sweep`, called on a timer
 * by `createOutrigger`). Budgets are shared per service through one `RetryBudgets`, as a retry budget must be.
 */
export function createServiceClients(options: ServiceClientsOptions): ServiceClients {
  const clock = options.clock ?? monotonicClock;
  const entries = new Map<string, Entry>();
  const forwarders = new Map<string, ForwardingInstancer>();
  const budgets = new RetryBudgets();
  const layered = (config: ResolvedOutriggerConfig, service: string) => {
    const local = policyFor(config.clients, service);
    return options.layer ? options.layer(service, local) : local;
  };
  let closed = false;
  /** Services `pin` keeps open (clients.eagerLoad). */
  let pinned = new Set<string>();

  // Names the registry had no instance of, until when (clock ms): refused at once meanwhile, with no watch opened.
  const unknown = new Map<string, number>();
  const rememberUnknown = (service: string, config: ResolvedOutriggerConfig) => {
    unknown.delete(service);
    // Bounded: beyond MAX_UNKNOWN names the oldest is forgotten (it costs a watch again, not memory).
    if (unknown.size >= MAX_UNKNOWN) unknown.delete(unknown.keys().next().value as string);
    unknown.set(service, clock.now() + config.clients.unknownServiceCacheMs);
  };
  const refuseUnknown = (service: string, config: ResolvedOutriggerConfig) => {
    const until = unknown.get(service);
    if (until === undefined) return;
    const now = clock.now();
    if (now < until) throw unknownServiceError(service, config.clients.waitForInstancesMs, until - now);
    unknown.delete(service);
  };
  const forwarder = (service: string) => {
    const known = forwarders.get(service);
    if (known) return known;
    const made = new ForwardingInstancer();
    forwarders.set(service, made);
    return made;
  };
  const entry = (service: string): Entry => {
    if (closed) throw new OutriggerNodeError("OUTRIGGER_CLOSED", `og is closed; no request to "${service}" is sent.`);
    const known = entries.get(service);
    if (known) return known;
    const config = options.config();
    refuseUnknown(service, config);
    if (entries.size >= config.clients.maxServices) {
      throw new OutriggerNodeError(
        "OUTRIGGER_TOO_MANY_SERVICES",
        `og follows ${entries.size} services already (outrigger.clients.maxServices), so "${service}" is not looked up: check for lb:// names made from request data, or raise clients.maxServices.`,
      );
    }
    const policy = layered(config, service);
    const instancer = options.instancer(service);
    const made: Entry = {
      service,
      instancer,
      inner: createBalancer({ instancer, ...balancerParts(policy) }),
      live: new LivePolicy(pipelineSpec(policy), { service, budgets }),
      policy,
      lastUsed: clock.now(),
      active: 0,
      waitForInstancesMs: config.clients.waitForInstancesMs,
      touch: () => {
        made.lastUsed = clock.now();
      },
      unknown: () => {
        // A pinned service is a declared dependency that has not registered yet: its watch stays open for it.
        if (pinned.has(service)) return;
        // Dropped at once rather than after idleCloseMs: a mistyped or made-up name must not hold a watch.
        rememberUnknown(service, options.config());
        if (made.active === 0 && entries.get(service) === made) drop(service, made);
      },
      callBudgetMs: () => {
        const timeout = made.policy.timeout as { readonly totalMs?: number } | false | undefined;
        return timeout ? timeout.totalMs : undefined;
      },
      balancer: undefined as unknown as ServiceBalancer,
    };
    (made as { balancer: ServiceBalancer }).balancer = new ServiceBalancer(made);
    entries.set(service, made);
    forwarder(service).follow(instancer);
    return made;
  };
  const drop = (service: string, found: Entry) => {
    entries.delete(service);
    forwarders.get(service)?.follow(undefined);
    found.inner.close();
    found.instancer.close();
  };

  return {
    balancer: (service) => entry(service).balancer,
    policy: (service) => entry(service).live,
    instancer: forwarder,
    services: () => [...entries.keys()],
    budgetBalance: (service) => budgets.balanceOf(service),
    apply(config, service) {
      // A service's name is matched as the control plane keys it (upper-case): lb://Orders and lb://orders both.
      const key = service?.toUpperCase();
      for (const found of entries.values()) {
        if (key !== undefined && found.service.toUpperCase() !== key) continue;
        const next = layered(config, found.service);
        (found as { waitForInstancesMs: number }).waitForInstancesMs = config.clients.waitForInstancesMs;
        if (JSON.stringify(next) === JSON.stringify(found.policy)) continue;
        applyBalancerParts(found.inner, found.policy, next);
        found.live.apply(pipelineSpec(next));
        found.policy = next;
      }
    },
    pin(names) {
      pinned = new Set(names);
      let first: unknown;
      for (const service of pinned) {
        if (entries.has(service) || closed) continue;
        unknown.delete(service);
        try {
          entry(service);
        } catch (error) {
          first ??= error;
        }
      }
      if (first !== undefined) throw first;
    },
    sweep() {
      const idleMs = options.config().clients.idleCloseMs;
      const now = clock.now();
      const closedNow: string[] = [];
      for (const [service, found] of entries) {
        if (pinned.has(service) || found.active > 0 || now - found.lastUsed < idleMs) continue;
        drop(service, found);
        closedNow.push(service);
      }
      return closedNow;
    },
    close() {
      closed = true;
      for (const [service, found] of entries) drop(service, found);
    },
  };
}
