import type { ServiceInstance } from "@outrigger/discovery";
import type { Random } from "./random.js";

/**
 * Envoy's default overprovisioning factor (1.4, `overprovisioning_factor` in ClusterLoadAssignment.Policy): a level
 * keeps all of its traffic until fewer than 1/1.4 ≈ 71% of its instances are in service.
 */
const OVERPROVISIONING = 1.4;

/** One priority level and the share of requests it takes now, in percent. */
export interface PriorityLoad {
  readonly priority: number;
  readonly load: number;
}

/** An instance's level; 0 unless a finite number (an instancer fed from a file or another process may send junk). */
const levelOf = ({ priority }: ServiceInstance): number =>
  typeof priority === "number" && Number.isFinite(priority) ? priority : 0;

/**
 * The share of requests each priority level takes, lowest level first; undefined when every instance is at one level
 * (the common case: the pick then does nothing more). Envoy's priority load (`recalculatePerPriorityState` in
 * `source/common/upstream/load_balancer_impl.cc`): a level's health is min(100, 1.4 × 100 × in service ÷ instances);
 * the healths are scaled up when they add up to less than 100, and each level takes its health of what the levels
 * before it left. With nothing in service anywhere, the lowest level takes everything (the panic rules apply).
 *
 * `up`: the UP instances; `inService`: those passing active checks and not ejected.
 */
export function priorityLoads(
  up: readonly ServiceInstance[],
  inService: readonly ServiceInstance[],
): readonly PriorityLoad[] | undefined {
  const first = up[0];
  if (!first || up.every((i) => levelOf(i) === levelOf(first))) return undefined;
  const totals = new Map<number, { all: number; healthy: number }>();
  for (const i of up) {
    const level = totals.get(levelOf(i)) ?? { all: 0, healthy: 0 };
    level.all += 1;
    totals.set(levelOf(i), level);
  }
  for (const i of inService) {
    const level = totals.get(levelOf(i));
    if (level) level.healthy += 1;
  }
  const levels = [...totals.entries()].sort(([a], [b]) => a - b);
  const health = levels.map(([, l]) => Math.min(100, (OVERPROVISIONING * 100 * l.healthy) / l.all));
  const availability = Math.min(
    100,
    health.reduce((sum, h) => sum + h, 0),
  );
  if (availability === 0) return levels.map(([priority], index) => ({ priority, load: index === 0 ? 100 : 0 }));
  let left = 100;
  return levels.map(([priority], index) => {
    const load = Math.min(left, ((health[index] as number) * 100) / availability);
    left -= load;
    return { priority, load };
  });
}

/**
 * The candidates of one priority level, drawn by `loads`; when that level has none left for this request (tried by
 * a retry, at their in-flight cap), the lowest level that has. Candidates are returned as they are without `loads`.
 */
export function byPriority(
  candidates: readonly ServiceInstance[],
  loads: readonly PriorityLoad[] | undefined,
  random: Random,
): readonly ServiceInstance[] {
  if (!loads || candidates.length === 0) return candidates;
  let draw = random() * 100;
  let chosen = (loads[loads.length - 1] as PriorityLoad).priority;
  for (const { priority, load } of loads) {
    if (draw < load) {
      chosen = priority;
      break;
    }
    draw -= load;
  }
  const inChosen = candidates.filter((c) => levelOf(c) === chosen);
  if (inChosen.length > 0) return inChosen;
  let lowest = Number.POSITIVE_INFINITY;
  for (const c of candidates) lowest = Math.min(lowest, levelOf(c));
  return candidates.filter((c) => levelOf(c) === lowest);
}
