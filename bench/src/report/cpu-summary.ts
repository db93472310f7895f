import { bootstrap, type Interval, meanAt, type Spread, spreadOf } from "@outrigger/bench-stats";
import type { CpuRun, CpuRuns } from "../scenarios/cpu.js";
import { baselineOf } from "../scenarios/variant-names.js";

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
  /** Rounds in which neither this variant nor its baseline failed more than `MAX_ERROR_SHARE` of requests. */
  readonly cleanRounds: number;
}

/**
 * Share of failed requests above which a round does not count: a request failed fast (a timeout that ejected every
 * instance, then LB_PANIC or HAProxy's 503) costs far less CPU than a served one and would flatter the variant.
 */
export const MAX_ERROR_SHARE = 0.01;

const clean = (r: CpuRun | undefined): boolean =>
  r !== undefined && r.completed > 0 && r.errors / r.completed <= MAX_ERROR_SHARE;

/**
 * Per-round governance CPU of `variant` over its baseline (ms/request); NaN where a round is missing or either side
 * failed more than `MAX_ERROR_SHARE` of its requests.
 */
export function governanceByRound(runs: CpuRuns, variant: string): number[] {
  const base = runs[baselineOf(variant)] ?? [];
  return (runs[variant] ?? []).map((r, i) =>
    clean(r) && clean(base[i]) ? r.cpuMsPerReq - (base[i] as CpuRun).cpuMsPerReq : Number.NaN,
  );
}

/** Bootstrap over the rounds where every series is a number (rounds with errors dropped). */
function overCleanRounds(series: readonly number[][], statistic: (values: number[][]) => number): Interval {
  const n = Math.min(...series.map((s) => s.length));
  const rounds = Array.from({ length: n }, (_, i) => i).filter((i) => series.every((s) => Number.isFinite(s[i])));
  const kept = series.map((s) => rounds.map((i) => s[i] as number));
  return bootstrap(rounds.length, (idx) => statistic(kept.map((s) => idx.map((i) => s[i] as number))));
}

const mean = (values: readonly number[]): number =>
  meanAt(
    values,
    values.map((_, i) => i),
  );

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
      governanceCpuMsPerReq: overCleanRounds([governance], ([g]) => mean(g ?? [])),
      cleanRounds: governance.filter((g) => Number.isFinite(g)).length,
    };
  }
  return out;
}

/** `sdk`'s governance CPU over `sidecar`'s (ratio of the round means), with a bootstrap interval over rounds. */
export function governanceRatio(runs: CpuRuns, sdk: string, sidecar: string): Interval {
  const series = [governanceByRound(runs, sdk), governanceByRound(runs, sidecar)];
  return overCleanRounds(series, ([mine, theirs]) => mean(mine ?? []) / mean(theirs ?? []));
}
