import { type Clock, systemClock } from "../clock.js";
import type { InstanceInfo } from "../instance-info.js";
import type { Registry } from "../registry.js";
import type { Lease, RegistryChange } from "../registry-types.js";
import type { CheckRunner } from "./check-runner.js";
import { unknownCheckService } from "./consul-error.js";
import type { CheckDefinition, ServiceDefinition } from "./definition.js";
import { aggregateStatus, type CheckView, maintenanceCheck, toInstanceInfo } from "./mapping.js";
import { type CheckState, NodeChecks, startCheck } from "./node-checks.js";

/** Settings of the Consul agent facade. */
export interface ConsulAgentOptions {
  readonly registry: Registry;
  readonly clock?: Clock;
  /**
   * The registry node this agent runs on, stamped on its services as `consul.node` metadata (peers use it; see
   * `replication/ownership.ts`). A function, because a server knows its name once it listens.
   */
  readonly node?: () => string | undefined;
}

/** A service registered through the Consul API, with its running checks. */
export interface AgentService {
  readonly definition: ServiceDefinition;
  readonly checks: readonly CheckRunner[];
  /** The critical check that maintenance mode adds, while it is on. */
  readonly maintenance: CheckView | undefined;
}

/** Consul's create and modify indexes of one instance. */
export interface InstanceIndexes {
  readonly create: number;
  readonly modify: number;
}

interface Tracked extends AgentService {
  checks: CheckRunner[];
  maintenance: CheckView | undefined;
  info: InstanceInfo;
  /** What Eureka clients last saw of the checks (see `visible`). */
  seen: string;
}

/** How `ConsulAgent.register` treats the checks a service already has. */
export interface RegisterOptions {
  /**
   * `?replace-existing-checks`: remove every check of the service the new definition does not name, whether it came
   * with an earlier definition or from `PUT /v1/agent/check/register`. Default false: they all stay, as in Consul.
   */
  readonly replaceExistingChecks?: boolean;
}

const key = (app: string, id: string): string => `${app.toUpperCase()}/${id}`;

/** Every check of a service, the maintenance check first (as Consul lists it). */
export function checksOf(service: AgentService): readonly CheckView[] {
  return service.maintenance ? [service.maintenance, ...service.checks] : service.checks;
}

/** The part of a check the Eureka side sees: the status, and the note only while it is warning. */
function visible(checks: readonly CheckView[]): string {
  const status = aggregateStatus(checks);
  return status === "warning" ? `${status}:${checks.map((c) => c.output).join("\n")}` : status;
}

/**
 * Consul's local agent, on top of the shared registry: it keeps each Consul service's definition and runs its
 * checks, and writes the service into the registry as a Eureka instance whenever what Eureka clients see of it
 * changes. Instances registered through Eureka stay the registry's alone. `close()` stops every check timer.
 */
export class ConsulAgent {
  readonly #registry: Registry;
  readonly #clock: Clock;
  readonly #node: () => string | undefined;
  readonly #services = new Map<string, Tracked>();
  readonly #byInstance = new Map<string, string>();
  readonly #indexes = new Map<string, InstanceIndexes>();
  readonly #stop: () => void;
  /** The node's own checks and node maintenance. */
  readonly node = new NodeChecks();
  #writing = false;

  constructor(options: ConsulAgentOptions) {
    this.#registry = options.registry;
    this.#clock = options.clock ?? systemClock;
    this.#node = options.node ?? (() => undefined);
    this.#stop = this.#registry.onChange((change) => this.#observe(change));
  }

  /**
   * Adds or replaces a service and starts its checks. A check that was already running under the same id keeps
   * its status and output (hashicorp/consul#868). The service's other checks — an earlier definition's the new one
   * does not name, and those added on their own — keep running unless `replaceExistingChecks` (Consul's
   * agent/agent.go `addServiceInternal`: `existingChecks`, every check of the service, maintenance's among them, are
   * removed only under `replace-existing-checks`). A check id another service or the node runs moves to this
   * service with its status, as in Consul, where check ids are unique per agent.
   */
  register(definition: ServiceDefinition, options: RegisterOptions = {}): void {
    const previous = this.#services.get(definition.id);
    const states = new Map<string, CheckState>();
    let kept: CheckRunner[] = [];
    if (previous) {
      for (const c of previous.checks) states.set(c.id, { status: c.status, output: c.output });
      const ids = new Set(definition.checks.map((c) => c.id));
      kept = options.replaceExistingChecks ? [] : previous.checks.filter((c) => !ids.has(c.id));
      // Under the same name the instance is replaced in place (one MODIFIED change, no gap); a new name is a new
      // Eureka app, so the old instance goes. Either way the checks kept are the service id's, as in Consul.
      if (previous.info.app === definition.name.toUpperCase()) this.#forget(previous, kept);
      else this.#remove(previous, kept);
    }
    // A check id is one per agent (agent/local/state.go keeps checks in one map by CheckID; agent.go restores a
    // running check's status by id, hashicorp/consul#5842): a check under it on another service or the node moves here.
    for (const check of definition.checks) {
      const moved = states.has(check.id) ? undefined : this.#checkState(check.id);
      if (moved && this.deregisterCheck(check.id)) states.set(check.id, moved);
    }
    const now = this.#clock.now();
    const tracked: Tracked = {
      definition,
      checks: [],
      // The maintenance check is one of the service's checks: replace-existing-checks removes it too.
      maintenance: options.replaceExistingChecks ? undefined : previous?.maintenance,
      info: toInstanceInfo(definition, [], now),
      seen: "",
    };
    tracked.checks = [
      ...definition.checks.map((check) => this.#start(check, definition.id, states.get(check.id))),
      ...kept,
    ];
    this.#services.set(definition.id, tracked);
    this.#write(tracked);
  }

  /**
   * `PUT /v1/agent/check/register`: a check on a service (`serviceId`) or on the node (none). A check already
   * running under the id is replaced and keeps its status and output (hashicorp/consul#4904).
   */
  registerCheck(check: CheckDefinition, serviceId: string | undefined): void {
    const onNode = serviceId === undefined || serviceId === "";
    const tracked = onNode ? undefined : this.#services.get(serviceId);
    if (!onNode && !tracked) throw unknownCheckService(serviceId ?? "");
    const previous = this.#checkState(check.id);
    this.deregisterCheck(check.id);
    if (!tracked) {
      this.node.register(check, previous);
      return;
    }
    tracked.checks.push(this.#start(check, tracked.definition.id, previous));
    this.#write(tracked);
  }

  /** Removes a check of a service or of the node; false when no check has this id. */
  deregisterCheck(checkId: string): boolean {
    if (this.node.deregister(checkId)) return true;
    for (const tracked of this.#services.values()) {
      const at = tracked.checks.findIndex((c) => c.id === checkId);
      if (at < 0) continue;
      tracked.checks[at]?.close();
      tracked.checks.splice(at, 1);
      this.#write(tracked);
      return true;
    }
    return false;
  }

  /** Removes a service and stops its checks; false when the agent does not know it. */
  deregister(serviceId: string): boolean {
    const tracked = this.#services.get(serviceId);
    if (!tracked) return false;
    this.#remove(tracked);
    return true;
  }

  /**
   * Turns maintenance mode on (a critical `_service_maintenance:<id>` check that keeps the service out of passing
   * answers, whatever its own checks say) or off; false when the agent does not know the service.
   */
  setMaintenance(serviceId: string, enable: boolean, reason: string): boolean {
    const tracked = this.#services.get(serviceId);
    if (!tracked) return false;
    tracked.maintenance = enable ? maintenanceCheck(serviceId, reason) : undefined;
    this.#sync(tracked);
    return true;
  }

  /** The running check with this id, on a service or on the node, if any. */
  check(checkId: string): CheckRunner | undefined {
    for (const service of this.#services.values()) {
      const found = service.checks.find((c) => c.id === checkId);
      if (found) return found;
    }
    return this.node.check(checkId);
  }

  /** The service registered through the Consul API under this id, if any. */
  service(serviceId: string): AgentService | undefined {
    return this.#services.get(serviceId);
  }

  /** Every service registered through the Consul API. */
  services(): readonly AgentService[] {
    return [...this.#services.values()];
  }

  /** The Consul service behind a registry instance, when it was registered through the Consul API. */
  serviceOf(app: string, instanceId: string): AgentService | undefined {
    const id = this.#byInstance.get(key(app, instanceId));
    return id === undefined ? undefined : this.#services.get(id);
  }

  /** Consul's CreateIndex/ModifyIndex of an instance: the registry versions of its first and latest change. */
  indexes(lease: Lease): InstanceIndexes {
    const fallback = Math.max(1, this.#registry.appIndex(lease.info.app));
    return this.#indexes.get(key(lease.info.app, lease.info.instanceId)) ?? { create: fallback, modify: fallback };
  }

  /** Stops every check and stops listening to the registry. The registered services stay in the registry. */
  close(): void {
    this.#stop();
    for (const tracked of this.#services.values()) for (const check of tracked.checks) check.close();
    this.node.close();
    this.#services.clear();
    this.#byInstance.clear();
  }

  #sync(tracked: Tracked): void {
    if (this.#services.get(tracked.definition.id) !== tracked) return;
    // Output alone (a probe's body, a TTL note while passing) does not move the index, so watchers are not woken
    // by every probe; Eureka-visible changes (status, warning note) do.
    if (visible(checksOf(tracked)) !== tracked.seen) this.#write(tracked);
  }

  #write(tracked: Tracked): void {
    const checks = checksOf(tracked);
    tracked.info = toInstanceInfo(tracked.definition, checks, this.#clock.now(), this.#node());
    tracked.seen = visible(checks);
    this.#byInstance.set(key(tracked.info.app, tracked.info.instanceId), tracked.definition.id);
    this.#writing = true;
    try {
      this.#registry.register(tracked.info);
    } finally {
      this.#writing = false;
    }
  }

  #start(check: CheckDefinition, serviceId: string, previous: CheckState | undefined): CheckRunner {
    // Hooks find the service by id, so a check carried over to a re-registration reports to the new one.
    const owner = (runner: CheckRunner): Tracked | undefined => {
      const tracked = this.#services.get(serviceId);
      return tracked?.checks.includes(runner) ? tracked : undefined;
    };
    return startCheck(
      check,
      serviceId,
      previous,
      (runner) => {
        const tracked = owner(runner);
        if (tracked) this.#sync(tracked);
      },
      (runner) => {
        if (owner(runner)) this.deregister(serviceId);
      },
    );
  }

  #checkState(checkId: string): CheckState | undefined {
    const found = this.check(checkId);
    return found ? { status: found.status, output: found.output } : undefined;
  }

  /** Forgets a service and cancels its instance in the registry, stopping its checks but those in `keep`. */
  #remove(tracked: Tracked, keep: readonly CheckRunner[] = []): void {
    this.#forget(tracked, keep);
    this.#writing = true;
    try {
      this.#registry.cancel(tracked.info.app, tracked.info.instanceId);
    } finally {
      this.#writing = false;
    }
  }

  #forget(tracked: Tracked, keep: readonly CheckRunner[] = []): void {
    for (const check of tracked.checks) if (!keep.includes(check)) check.close();
    this.#services.delete(tracked.definition.id);
    this.#byInstance.delete(key(tracked.info.app, tracked.info.instanceId));
  }

  #observe(change: RegistryChange): void {
    const { info } = change.lease;
    const k = key(info.app, info.instanceId);
    if (change.action === "DELETED") this.#indexes.delete(k);
    else {
      const create = change.action === "ADDED" ? change.version : (this.#indexes.get(k)?.create ?? change.version);
      this.#indexes.set(k, { create, modify: change.version });
    }
    if (this.#writing) return;
    // A Eureka client replaced or cancelled an instance the agent wrote: the Eureka side owns it now.
    const serviceId = this.#byInstance.get(k);
    const tracked = serviceId === undefined ? undefined : this.#services.get(serviceId);
    if (tracked && (change.action === "DELETED" || change.lease.info !== tracked.info)) this.#forget(tracked);
  }
}
