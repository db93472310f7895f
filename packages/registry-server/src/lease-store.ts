import type { Lease } from "./registry-types.js";

/**
 * The registry's leases by application and instance id, and their count. Names are taken as given: the registry
 * upper-cases application names before they reach here, as Eureka stores them. No rules: `Registry` decides what
 * is stored.
 */
export class LeaseStore {
  readonly #apps = new Map<string, Map<string, Lease>>();
  #size = 0;

  /** How many instances are stored. */
  get size(): number {
    return this.#size;
  }

  get(app: string, id: string): Lease | undefined {
    return this.#apps.get(app)?.get(id);
  }

  /** Stores `lease` under its application and instance id, replacing any copy; true when the instance is new. */
  set(lease: Lease): boolean {
    const { app: name, instanceId } = lease.info;
    let app = this.#apps.get(name);
    if (!app) {
      app = new Map();
      this.#apps.set(name, app);
    }
    const added = !app.has(instanceId);
    if (added) this.#size += 1;
    app.set(instanceId, lease);
    return added;
  }

  /** Removes an instance; its lease, or undefined when none was stored. An application left empty is dropped. */
  delete(app: string, id: string): Lease | undefined {
    const leases = this.#apps.get(app);
    const lease = leases?.get(id);
    if (!leases || !lease) return undefined;
    leases.delete(id);
    this.#size -= 1;
    if (leases.size === 0) this.#apps.delete(app);
    return lease;
  }

  /** The leases of one application, empty when unknown. */
  application(app: string): readonly Lease[] {
    return [...(this.#apps.get(app)?.values() ?? [])];
  }

  /** All applications with their leases, in name order. */
  applications(): ReadonlyMap<string, readonly Lease[]> {
    const names = [...this.#apps.keys()].sort();
    return new Map(names.map((name) => [name, this.application(name)]));
  }

  /** Every lease, application by application in insertion order. */
  *leases(): IterableIterator<Lease> {
    for (const leases of this.#apps.values()) yield* leases.values();
  }
}
