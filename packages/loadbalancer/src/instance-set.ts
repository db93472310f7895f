import type { ServiceInstance } from "@outrigger/discovery";
import { InstanceStats, type StatsOptions } from "./instance-stats.js";

/**
 * The balancer's instances: the UP ones of the latest snapshot and each one's stats, kept across snapshots so a
 * discovery refresh does not reset what was learnt (linkerd2-proxy's pool keeps an endpoint across a reset when
 * it is unchanged). Instances that join after the start are stamped for slow start.
 */
export class InstanceSet {
  #up: readonly ServiceInstance[] = [];
  #ids: readonly string[] = [];
  readonly #table = new Map<string, InstanceStats>();

  constructor(readonly options: StatsOptions | undefined) {}

  /** The UP instances. */
  get up(): readonly ServiceInstance[] {
    return this.#up;
  }

  /** Their ids, in order (the outlier detector's population). */
  get ids(): readonly string[] {
    return this.#ids;
  }

  /** Stats of a known instance, or undefined. */
  get(id: string): InstanceStats | undefined {
    return this.#table.get(id);
  }

  /** Replaces the set with a snapshot's UP instances; returns the ids kept. */
  replace(instances: readonly ServiceInstance[], now: number, initial: boolean): ReadonlySet<string> {
    this.#up = instances.filter((i) => i.status === "UP");
    this.#ids = this.#up.map((i) => i.id);
    const seen = new Set(this.#ids);
    for (const id of seen) {
      if (!this.#table.has(id)) {
        this.#table.set(id, new InstanceStats(initial ? Number.NEGATIVE_INFINITY : now, now, this.options));
      }
    }
    for (const id of this.#table.keys()) if (!seen.has(id)) this.#table.delete(id);
    return seen;
  }
}
