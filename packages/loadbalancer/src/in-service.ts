import type { ServiceInstance } from "@outrigger/discovery";
import { type PriorityLevel, priorityLevels } from "./priority-levels.js";

/** A filter over the instance set, independent of the request, so its result is cached between changes. */
export interface InstanceFilter {
  /** True when `id` is out of service now. */
  excludes(id: string, now: number): boolean;
  /** When `id`'s exclusion ends by itself (ejections end by time); omitted: only on a change the owner reports. */
  until?(id: string): number;
}

/** What to do when too few instances are in service (Envoy's panic threshold). */
export type PanicMode = "use-all" | "fail";

/** The in-service set at one moment. */
export interface InService {
  /** Instances to pick among (all UP ones in a `use-all` panic). */
  readonly instances: readonly ServiceInstance[];
  /** Instances passing active checks, ejected or not: what a retry may fall back to. */
  readonly eligible: readonly ServiceInstance[];
  /** True while the share in service is below the panic threshold. */
  readonly panic: boolean;
  /**
   * The priority levels when the UP instances have more than one (`priorityLevels`): a pick then chooses among one
   * level's instances, with the panic of that level; `instances` is every level's, and `panic` total panic.
   */
  readonly levels: readonly PriorityLevel[] | undefined;
}

/**
 * The instances in service: UP → availability (active health; all UP ones when none passes, better some than
 * none) → not ejected, with Envoy's panic threshold (`healthy_panic_threshold`, default 50%): below it, either use
 * every passing instance (Envoy's default) or fail fast (Envoy's `fail_traffic_on_panic`). Recomputed only when an
 * exclusion starts or ends, so a pick stays O(1) for rules that are, even with a thousand instances.
 */
export class InServiceSet {
  #cached: InService | undefined;
  #validUntil = Number.POSITIVE_INFINITY;

  constructor(
    readonly availability: InstanceFilter | undefined,
    readonly ejection: InstanceFilter | undefined,
    readonly panicThresholdPercent: number,
  ) {}

  /** Drops the cached set: an exclusion started or ended, or the instances changed. */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** The set at `now` over the UP instances `up`. */
  at(up: readonly ServiceInstance[], now: number): InService {
    if (this.#cached && now < this.#validUntil) return this.#cached;
    const passing = this.availability ? up.filter((i) => !this.availability?.excludes(i.id, now)) : up;
    const eligible = passing.length > 0 ? passing : up;
    let kept: readonly ServiceInstance[] = eligible;
    this.#validUntil = Number.POSITIVE_INFINITY;
    const ejection = this.ejection;
    if (ejection) {
      kept = eligible.filter((i) => {
        if (!ejection.excludes(i.id, now)) return true;
        this.#validUntil = Math.min(this.#validUntil, ejection.until?.(i.id) ?? Number.POSITIVE_INFINITY);
        return false;
      });
    }
    const levels = priorityLevels(up, eligible, kept, this.panicThresholdPercent);
    if (levels) {
      const panic = levels.every((l) => l.panic);
      this.#cached = { instances: levels.flatMap((l) => l.instances), eligible, panic, levels };
      return this.#cached;
    }
    const panic = (kept.length / Math.max(eligible.length, 1)) * 100 < this.panicThresholdPercent;
    this.#cached = { instances: panic ? eligible : kept, eligible, panic, levels: undefined };
    return this.#cached;
  }
}
