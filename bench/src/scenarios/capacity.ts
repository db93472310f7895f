import type { CpuRuns } from "./cpu.js";

/**
 * Each variant's closed-loop throughput per CPU round (requests/s): what the steady phase and the goals both read
 * a variant's capacity from.
 */
export function capacityRounds(runs: CpuRuns): Record<string, number[]> {
  return Object.fromEntries(Object.entries(runs).map(([v, list]) => [v, list.map((r) => r.throughputPerSec)]));
}

/**
 * Whether a variant cannot carry `rate` (requests/s) open loop: its closed-loop throughput stayed below `rate` in
 * every CPU round (and there was at least one). The one capacity rule of the bench: the steady phase skips exactly
 * these cells (past capacity an open loop only queues), and the latency goals count such a sidecar cell as
 * unbounded. A rate any round reached is measured, so no cell is left neither measured nor judged (before run
 * 2026-12-01 the steady phase skipped above 80% of the median round while the goal needed every round below).
 */
export function belowEveryRound(rounds: readonly number[] | undefined, rate: number): boolean {
  return rounds !== undefined && rounds.length > 0 && Math.max(...rounds) < rate;
}
