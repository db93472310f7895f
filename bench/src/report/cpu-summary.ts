import type { CpuRuns } from "../scenarios/cpu.js";
import { baselineOf } from "../scenarios/variant-names.js";
import { bootstrap, type Interval, meanAt } from "../stats/bootstrap.js";
import { type Spread, spreadOf } from "../stats/summary.js";

/** The CPU phase's figures of one variant. */
export interface CpuSummary {
  readonly rounds: number;
  readonly baseline: string;
  readonly throughputPerSec: Spread;
  readonly cpuMsPerReq: Spread;
  readonly clientCpuMsPerReq: Spread;
  readonly sidecarCpuMsPerReq: Spread;
  readonly clientCoreShare: Spread;
  /** Client + sidecar CPU per request minus the baseline's in the same round, mean over rounds with its interval. */
  readonly governanceCpuMsPerReq: Interval;
}

/** Per-round governance CPU of `variant` over its baseline (ms/request); NaN where a round is missing. */
export function governanceByRound(runs: CpuRuns, variant: string): number[] {
  const base = runs[baselineOf(variant)] ?? [];
  return (runs[variant] ?? []).map((r, i) => r.cpuMsPerReq - (base[i]?.cpuMsPerReq ?? Number.NaN));
}

/** Summarises the closed-loop rounds variant by variant. */
export function summariseCpu(runs: CpuRuns): Record<string, CpuSummary> {
  const out: Record<string, CpuSummary> = {};
  for (const [variant, list] of Object.entries(runs)) {
    const governance = governanceByRound(runs, variant);
    out[variant] = {
      rounds: list.length,
      baseline: baselineOf(variant),
      throughputPerSec: spreadOf(list.map((r) => r.throughputPerSec)),
      cpuMsPerReq: spreadOf(list.map((r) => r.cpuMsPerReq)),
      clientCpuMsPerReq: spreadOf(list.map((r) => r.clientCpuMsPerReq)),
      sidecarCpuMsPerReq: spreadOf(list.map((r) => r.sidecarCpuMsPerReq)),
      clientCoreShare: spreadOf(list.map((r) => r.clientCoreShare)),
      governanceCpuMsPerReq: bootstrap(governance.length, (idx) => meanAt(governance, idx)),
    };
  }
  return out;
}

/** `sdk`'s governance CPU over `sidecar`'s (ratio of the round means), with a bootstrap interval over rounds. */
export function governanceRatio(runs: CpuRuns, sdk: string, sidecar: string): Interval {
  const mine = governanceByRound(runs, sdk);
  const theirs = governanceByRound(runs, sidecar);
  const n = Math.min(mine.length, theirs.length);
  return bootstrap(n, (idx) => meanAt(mine, idx) / meanAt(theirs, idx));
}

/** Median closed-loop throughput of each variant: what the steady phase may ask of it. */
export function capacities(runs: CpuRuns): Record<string, number> {
  return Object.fromEntries(
    Object.entries(runs).map(([v, list]) => [v, spreadOf(list.map((r) => r.throughputPerSec)).median]),
  );
}
