import type { ServiceInstance } from "@outrigger/discovery";
import type { Random } from "./random.js";

/**
 * Envoy's default overprovisioning factor (1.4, `overprovisioning_factor` in ClusterLoadAssignment.Policy): a level
 * keeps all of its traffic until fewer than 1/1.4 ≈ 71% of its instances are in service.
 */
const OVERPROVISIONING = 1.4;

/** One priority level at one moment. */
export interface PriorityLevel {
  readonly priority: number;
  /** Its share of requests, in percent. */
  readonly load: number;
  /** Its UP instances (what a rule reads as `all` when it picks in this level). */
  readonly up: readonly ServiceInstance[];
  /** Those passing active checks, ejected or not. */
  readonly eligible: readonly ServiceInstance[];
  /** What a pick in this level chooses among: those in service, or `eligible` while the level is in panic. */
  readonly instances: readonly ServiceInstance[];
  /** True while the level's share in service is below the panic threshold and the levels together fall short. */
  readonly panic: boolean;
}

/** An instance's level; 0 unless a finite number (an instancer fed from a file or another process may send junk). */
export const levelOf = ({ priority }: ServiceInstance): number =>
  typeof priority === "number" && Number.isFinite(priority) ? priority : 0;

/**
 * The priority levels, lowest first, with their loads; undefined when every UP instance is at one level (the common
 * case, where the balancer does nothing more). Envoy's rules (`source/common/upstream/load_balancer_impl.cc`):
 * - a level's health is min(100, 1.4 × 100 × in service ÷ UP); the healths, summed and capped at 100, are the
 *   levels' availability; each level takes its health, scaled up by 100 ÷ availability, of what the levels before
 *   it left (`recalculatePerPriorityState`);
 * - with the availability at 100 no level is in panic; below it, a level is in panic when its own share in service
 *   is below the threshold (`recalculatePerPriorityPanic`);
 * - with nothing in service anywhere (total panic) every level is in panic and the load follows the levels' sizes
 *   (`recalculateLoadInTotalPanic`).
 */
export function priorityLevels(
  up: readonly ServiceInstance[],
  eligible: readonly ServiceInstance[],
  inService: readonly ServiceInstance[],
  panicThresholdPercent: number,
): readonly PriorityLevel[] | undefined {
  const first = up[0];
  if (!first || up.every((i) => levelOf(i) === levelOf(first))) return undefined;
  const groups = new Map<number, { up: ServiceInstance[]; eligible: ServiceInstance[]; kept: ServiceInstance[] }>();
  const group = (i: ServiceInstance) => {
    const found = groups.get(levelOf(i));
    if (found) return found;
    const g = { up: [] as ServiceInstance[], eligible: [] as ServiceInstance[], kept: [] as ServiceInstance[] };
    groups.set(levelOf(i), g);
    return g;
  };
  for (const i of up) group(i).up.push(i);
  for (const i of eligible) group(i).eligible.push(i);
  for (const i of inService) group(i).kept.push(i);
  const levels = [...groups.entries()].sort(([a], [b]) => a - b);
  const health = levels.map(([, g]) => Math.min(100, (OVERPROVISIONING * 100 * g.kept.length) / g.up.length));
  const availability = Math.min(
    100,
    health.reduce((sum, h) => sum + h, 0),
  );
  let left = 100;
  return levels.map(([priority, g], index) => {
    const totalPanic = availability === 0;
    const load = totalPanic
      ? (100 * g.up.length) / up.length
      : Math.min(left, ((health[index] as number) * 100) / availability);
    left -= load;
    const share = (g.kept.length / Math.max(g.eligible.length, 1)) * 100;
    const panic = totalPanic || (availability < 100 && share < panicThresholdPercent);
    return { priority, load, up: g.up, eligible: g.eligible, instances: panic ? g.eligible : g.kept, panic };
  });
}

/**
 * The order a pick tries the levels in: one drawn by the loads first, then the others lowest first — a pick moves
 * on when its level has nothing left for the request (a retry tried it all, every instance at its in-flight cap).
 */
export function levelOrder(levels: readonly PriorityLevel[], random: Random): readonly PriorityLevel[] {
  let draw = random() * 100;
  let chosen = levels[levels.length - 1] as PriorityLevel;
  for (const level of levels) {
    if (draw < level.load) {
      chosen = level;
      break;
    }
    draw -= level.load;
  }
  return [chosen, ...levels.filter((l) => l !== chosen)];
}
