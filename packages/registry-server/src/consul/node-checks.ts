import { CheckRunner } from "./check-runner.js";
import type { CheckDefinition } from "./definition.js";
import type { CheckView } from "./mapping.js";

/** Consul's id of the check that node maintenance mode adds (agent/agent.go, `structs.NodeMaint`). */
export const NODE_MAINTENANCE_CHECK_ID = "_node_maintenance";

/** Consul's note on the node maintenance check when the caller gave no reason (agent/agent.go). */
const DEFAULT_NODE_MAINTENANCE_REASON =
  "Maintenance mode is enabled for this node, but no reason was provided. This is a result of the /v1/agent/maintenance endpoint.";

/** A check's status and output, carried over when the check is registered again (hashicorp/consul#868, #4904). */
export interface CheckState {
  readonly status: CheckView["status"];
  readonly output: string;
}

/**
 * Starts a check, keeping the status and output of the check it replaces, as Consul's agent does so that
 * re-registering does not flap a healthy check to critical (hashicorp/consul#868 for services, #4904 for checks).
 */
export function startCheck(
  definition: CheckDefinition,
  serviceId: string,
  previous: CheckState | undefined,
  changed: (check: CheckRunner) => void,
  reap: (check: CheckRunner) => void,
): CheckRunner {
  const kept = previous ? { ...definition, status: previous.status } : definition;
  const runner = new CheckRunner(kept, serviceId, { changed, reap });
  // A TTL check's output is restored through its update path, which also restarts its TTL as a new check's would.
  if (previous && previous.output !== "" && runner.acceptsUpdates) runner.update(previous.status, previous.output);
  return runner;
}

/**
 * The node's own checks (registered with no `ServiceID`) and node maintenance mode. As in Consul, a node check
 * counts for every service on the node: one that is not passing keeps them all out of `?passing` answers.
 * `epoch` moves whenever what a query would show of them changes (status, not output alone); `close()` stops them.
 */
export class NodeChecks {
  readonly #checks = new Map<string, CheckRunner>();
  readonly #listeners = new Set<() => void>();
  /** The status each check last showed, so output alone (a probe's body) does not wake watchers. */
  readonly #seen = new Map<string, string>();
  #maintenance: CheckView | undefined;
  #epoch = 0;

  /** How many times the node's checks changed; part of every Consul index. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The node's checks, the maintenance check first (as Consul lists it). */
  list(): readonly CheckView[] {
    const checks = [...this.#checks.values()];
    return this.#maintenance ? [this.#maintenance, ...checks] : checks;
  }

  /** The running node check with this id, if any. */
  check(id: string): CheckRunner | undefined {
    return this.#checks.get(id);
  }

  /** The state of a check about to be replaced. */
  state(id: string): CheckState | undefined {
    const found = this.#checks.get(id);
    return found ? { status: found.status, output: found.output } : undefined;
  }

  /** Adds or replaces a node check, keeping a replaced check's status and output. */
  register(definition: CheckDefinition, previous: CheckState | undefined): void {
    this.#checks.get(definition.id)?.close();
    // A node check has no service to reap: Consul applies DeregisterCriticalServiceAfter to service checks only.
    const runner = startCheck(
      definition,
      "",
      previous,
      (check) => {
        if (this.#checks.get(check.id) !== check || this.#seen.get(check.id) === check.status) return;
        this.#seen.set(check.id, check.status);
        this.#bump();
      },
      () => {},
    );
    this.#checks.set(definition.id, runner);
    this.#seen.set(definition.id, runner.status);
    this.#bump();
  }

  /** Removes a node check; false when there is none with this id. */
  deregister(id: string): boolean {
    const found = this.#checks.get(id);
    if (!found) return false;
    found.close();
    this.#checks.delete(id);
    this.#seen.delete(id);
    this.#bump();
    return true;
  }

  /** Node maintenance on (a critical `_node_maintenance` check) or off. */
  setMaintenance(enable: boolean, reason: string): void {
    const was = this.#maintenance;
    this.#maintenance = enable
      ? {
          id: NODE_MAINTENANCE_CHECK_ID,
          name: "Node Maintenance Mode",
          notes: reason || DEFAULT_NODE_MAINTENANCE_REASON,
          type: "maintenance",
          status: "critical",
          output: "",
        }
      : undefined;
    if (was !== undefined || enable) this.#bump();
  }

  /** Calls `listener` whenever the epoch moves; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops every check. */
  close(): void {
    for (const check of this.#checks.values()) check.close();
    this.#checks.clear();
    this.#listeners.clear();
  }

  #bump(): void {
    this.#epoch += 1;
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch {
        // A waiter that throws must not keep the others asleep.
      }
    }
  }
}
