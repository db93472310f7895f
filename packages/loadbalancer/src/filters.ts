import type { ServiceInstance } from "@outrigger/discovery";
import { LbError } from "./errors.js";
import type { InstanceView } from "./instance-view.js";
import type { PickOptions } from "./pick.js";
import { NO_ZONE } from "./zones.js";

/** What a filter knows of the pick it narrows. */
export interface FilterRequest {
  readonly now: number;
  readonly options: PickOptions;
  /** Instances passing active checks, ejected or not (in service or not). */
  readonly eligible: readonly ServiceInstance[];
  stats(id: string): InstanceView;
}

/**
 * Narrows the candidates of one pick; the balancer runs its filters in order, then the rule. A filter returns a
 * non-empty list or throws a typed error; returning its input unchanged is the cheap path and the usual one.
 */
export interface Filter {
  apply(candidates: readonly ServiceInstance[], request: FilterRequest): readonly ServiceInstance[];
}

/**
 * Retry avoidance: untried instances among the candidates (those in service); else, unless `untriedOnly`, the
 * candidates as they were. An ejected instance gets no retry: Envoy leaves ejected hosts out of every pick but in
 * panic (`source/common/upstream/outlier_detection_impl.cc`, the host's FAILED_OUTLIER_CHECK flag), and HAProxy's
 * redispatch picks among UP servers only. Sending retries to it kept an ejected instance loaded: in the bench's
 * overload scenario it never went quiet and ejection did not take it out (2026-12-02 upstream traces).
 */
export const triedFilter: Filter = {
  apply(candidates, { options }) {
    const avoid = options.avoid;
    if (!avoid || avoid.size === 0) return candidates;
    const fresh = candidates.filter((i) => !avoid.has(i.id));
    if (fresh.length > 0) return fresh;
    if (options.untriedOnly) {
      throw new LbError(
        "LB_ALL_INSTANCES_TRIED",
        "Every instance was tried for this request: nothing left to retry on",
      );
    }
    return candidates;
  },
};

/** The per-instance in-flight cap (Envoy's per-host `max_requests`): LB_INSTANCES_BUSY when every one is at it. */
export function inFlightCapFilter(max: number): Filter {
  return {
    apply(candidates, { stats }) {
      let allFree = true;
      for (const c of candidates) if (stats(c.id).active >= max) allFree = false;
      if (allFree) return candidates;
      const free = candidates.filter((c) => stats(c.id).active < max);
      if (free.length > 0) return free;
      throw new LbError(
        "LB_INSTANCES_BUSY",
        `Every candidate instance has ${max} requests in flight (maxInFlightPerInstance): use acquire() to wait, or raise the cap`,
      );
    },
  };
}

/** Settings of the zone filter. */
export interface ZoneFilterOptions {
  /** The caller's own zone. */
  readonly zone: string;
  /** Fewest candidates in the zone to stay in it (default 1); with fewer, every zone is used. */
  readonly minInZone?: number;
}

/** Zone affinity as a filter, under any rule: candidates in the caller's zone, or all when it has too few. */
export function zoneFilter(options: ZoneFilterOptions): Filter {
  const min = options.minInZone ?? 1;
  return {
    apply(candidates) {
      const local = candidates.filter((c) => (c.zone ?? NO_ZONE) === options.zone);
      return local.length >= Math.max(min, 1) ? local : candidates;
    },
  };
}
