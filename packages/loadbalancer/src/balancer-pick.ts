import type { ServiceInstance } from "@outrigger/discovery";
import type { InstanceStats } from "./instance-stats.js";
import type { Outcome } from "./outcome.js";
import type { Pick } from "./pick.js";

/** Where a pick's outcome goes: the balancer that made it (stats, outlier detector, waiters). */
export interface PickSink {
  /** The attempt on `instance` (whose stats were `stats` when picked) ended with `outcome`; called once. */
  finish(instance: ServiceInstance, stats: InstanceStats, outcome: Outcome): void;
}

/**
 * One pick of a balancer: the instance and the stats it counted the request in; only the first `done` counts.
 * One object per pick instead of a closure and its scope: a pick lives as long as its request, so it is among
 * the objects every young-generation GC copies while requests are in flight.
 */
export class BalancerPick implements Pick {
  #finished = false;

  constructor(
    readonly instance: ServiceInstance,
    private readonly stats: InstanceStats,
    private readonly sink: PickSink,
  ) {}

  done(outcome: Outcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.sink.finish(this.instance, this.stats, outcome);
  }
}
