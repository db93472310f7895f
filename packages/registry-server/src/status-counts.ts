import type { InstanceStatus } from "./instance-info.js";
import type { Registry } from "./registry.js";

/**
 * Eureka's `apps__hashcode` (`STATUS_count_` pairs sorted by status, e.g. `DOWN_1_UP_2_`), kept up to date from
 * the registry's changes instead of counted over every instance. The full fetch and the delta carry it on every
 * registry version; counting 20 000 instances for each of ten changes a second held the event loop while
 * heartbeats waited (bench/read-load.bench.ts). Each change costs two map updates here. `close()` stops listening.
 */
export class StatusCounts {
  /** Each instance's status as last seen, by application then instance id. */
  readonly #status = new Map<string, Map<string, InstanceStatus>>();
  readonly #counts = new Map<InstanceStatus, number>();
  readonly #stop: () => void;
  #hashCode: string | undefined;

  constructor(registry: Registry) {
    for (const leases of registry.applications().values()) {
      for (const { info } of leases) this.#set(info.app, info.instanceId, info.status);
    }
    this.#stop = registry.onChange(({ action, lease: { info } }) => {
      if (action === "DELETED") this.#set(info.app, info.instanceId, undefined);
      else this.#set(info.app, info.instanceId, info.status);
    });
  }

  /** The hash code of the registry as it is now (equal to `appsHashCode(registry.applications())`). */
  hashCode(): string {
    this.#hashCode ??= [...this.#counts.entries()]
      .filter(([, count]) => count > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${status}_${count}_`)
      .join("");
    return this.#hashCode;
  }

  /** Stops following the registry. */
  close(): void {
    this.#stop();
  }

  #set(app: string, id: string, status: InstanceStatus | undefined): void {
    let instances = this.#status.get(app);
    const before = instances?.get(id);
    if (before === status) return;
    this.#hashCode = undefined;
    if (before !== undefined) this.#counts.set(before, (this.#counts.get(before) ?? 0) - 1);
    if (status === undefined) {
      instances?.delete(id);
      if (instances?.size === 0) this.#status.delete(app);
      return;
    }
    if (!instances) {
      instances = new Map();
      this.#status.set(app, instances);
    }
    instances.set(id, status);
    this.#counts.set(status, (this.#counts.get(status) ?? 0) + 1);
  }
}
