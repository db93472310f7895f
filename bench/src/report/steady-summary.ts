import { type Interval, intervalOf, RESAMPLES, resamples, type Spread, spreadOf } from "@outrigger/bench-stats";
import type { ClientDiagnostics } from "../client/diagnostics.js";
import type { Measurement } from "../scenarios/measure.js";
import { baselineOf, SDK_VARIANTS, sidecarOf } from "../scenarios/variant-names.js";
import { REPORTED_PERCENTILES } from "../stats/histogram.js";
import { PooledCell } from "../stats/pooled.js";

/** Steady-state figures of one variant at one rate; latencies pooled over the repetitions' histograms. */
export interface SteadySummary {
  readonly runs: number;
  readonly accepted: number;
  /** Latency samples pooled into the percentiles (the repetitions in `reps`). */
  readonly samples: number;
  /** Percentiles of the pooled histogram, ms. */
  readonly latencyMs: Record<string, number>;
  /** The variant's pooled percentile minus its baseline's (`baselineOf`), with a bootstrap interval over reps. */
  readonly addedMs: Record<string, Interval>;
  /**
   * The same over the path histograms (latency less the upstream's own time, `RunOutcome.pathHistogram`): what the
   * request spent outside the upstream, and that minus the baseline's. Absent for runs without them.
   */
  readonly path?: PathFigures;
  readonly baseline: string;
  readonly clientCpuMsPerReq: Spread;
  readonly sidecarCpuMsPerReq: Spread;
  /** Share of one core the client (and its sidecar) used: near 1, the client side was saturated. */
  readonly clientCoreShare: Spread;
  readonly clientRssMb: Spread;
  readonly sidecarRssMb: Spread;
  readonly proxyCpuMsPerReq: Spread;
  readonly proxyRssMb: Spread;
  readonly errorRate: Spread;
  /** The client's own view per repetition (`ClientDiagnostics`): connections, calls in flight, GC, loop delay. */
  readonly client: Record<keyof ClientDiagnostics, Spread>;
}

/** Pooled percentiles of one kind of latency in a cell, and the cell's percentiles minus its baseline's. */
export interface PathFigures {
  readonly samples: number;
  readonly latencyMs: Record<string, number>;
  readonly addedMs: Record<string, Interval>;
}

/** The client diagnostics the summary keeps, in the order the report shows them. */
export const CLIENT_FIGURES: readonly (keyof ClientDiagnostics)[] = [
  "connectionsOpened",
  "connectionsOpen",
  "peakInFlight",
  "gcCount",
  "gcMaxMs",
  "gcTotalMs",
  "majorGcCount",
  "majorGcsBeforeMeasuring",
  "loopDelayMaxMs",
  "sdkRetries",
  "sdkRetriesOnTimeout",
];

/** One rate's summary, plus what the goals need: every cell's percentiles over the same resamples. */
export interface RateSummary {
  readonly byVariant: Record<string, SteadySummary>;
  /** Repetitions every variant at this rate was accepted in (all when none was: then flagged by `accepted`). */
  readonly reps: readonly number[];
  /** `resampled[variant][p]`: the pooled percentile on each bootstrap resample of `reps`. */
  readonly resampled: Record<string, Record<string, number[]>>;
  /** The same for the path histograms, for the variants that have them. */
  readonly resampledPath: Record<string, Record<string, number[]>>;
}

const key = (p: number): string => `p${p}`;

/**
 * Summarises one rate's runs. Percentiles come from the histograms of the usable repetitions merged (each cell
 * ≥ `minSamples` latencies in a full run); added latency is variant minus baseline on those pooled figures, and its
 * interval comes from resampling whole repetitions (every variant of a round together, so pairing survives).
 */
export function summariseRate(byVariant: Record<string, Measurement[]>, resampleCount = RESAMPLES): RateSummary {
  const names = Object.keys(byVariant);
  const repCount = Math.max(0, ...names.map((v) => byVariant[v]?.length ?? 0));
  const all = Array.from({ length: repCount }, (_, i) => i);
  const allAccepted = all.filter((i) => names.every((v) => byVariant[v]?.[i]?.rate.accepted === true));
  const reps = allAccepted.length > 0 ? allAccepted : all;
  const draws = resamples(reps.length, resampleCount).map((draw) => draw.map((k) => reps[k] as number));
  const e2e = pooled(byVariant, (r) => r.histogram, reps, draws);
  const withPath = names.filter((v) => (byVariant[v] ?? []).every((r) => r.pathHistogram !== undefined));
  const path = pooled(
    Object.fromEntries(withPath.map((v) => [v, byVariant[v] ?? []])),
    (r) => r.pathHistogram as string,
    reps,
    draws,
  );
  const out: Record<string, SteadySummary> = {};
  for (const v of names) {
    const runs = byVariant[v] ?? [];
    const use = reps.map((i) => runs[i]).filter((r): r is Measurement => r !== undefined);
    const base = baselineOf(v);
    const mine = e2e.figures(v, base, reps.length) as PathFigures;
    const pathFigures = withPath.includes(v) ? path.figures(v, base, reps.length) : undefined;
    out[v] = {
      runs: runs.length,
      accepted: runs.filter((r) => r.rate.accepted).length,
      samples: mine.samples,
      latencyMs: mine.latencyMs,
      addedMs: mine.addedMs,
      ...(pathFigures ? { path: pathFigures } : {}),
      baseline: base,
      clientCpuMsPerReq: spreadOf(use.map((r) => r.clientCpuMsPerReq)),
      sidecarCpuMsPerReq: spreadOf(use.map((r) => r.sidecarCpuMsPerReq)),
      clientCoreShare: spreadOf(use.map((r) => r.clientCoreShare ?? Number.NaN)),
      clientRssMb: spreadOf(use.map((r) => r.clientRssMb)),
      sidecarRssMb: spreadOf(use.map((r) => r.sidecarRssMb)),
      proxyCpuMsPerReq: spreadOf(use.map((r) => r.proxyCpuMsPerReq ?? Number.NaN)),
      proxyRssMb: spreadOf(use.map((r) => r.proxyRssMb ?? Number.NaN)),
      errorRate: spreadOf(use.map((r) => r.errorRate)),
      client: Object.fromEntries(
        CLIENT_FIGURES.map((k) => [k, spreadOf(use.map((r) => r.diagnostics?.[k] ?? Number.NaN))]),
      ) as Record<keyof ClientDiagnostics, Spread>,
    };
  }
  return { byVariant: out, reps, resampled: e2e.resampled, resampledPath: path.resampled };
}

/**
 * One summary per SDK variant at a rate, over only the cells its goals compare — it, its sidecar (`sidecarOf`) and
 * their baselines — so a goal pools the repetitions in which those were on time, whatever the other variants did: a
 * late repetition of `haproxy-tcp` says nothing of the SDK against HAProxy. Pairing survives (every cell of a
 * repetition goes together). A variant not run at the rate is left out, as in `summariseRate`.
 */
export function summariseGoalCells(
  byVariant: Record<string, Measurement[]>,
  resampleCount = RESAMPLES,
): Record<string, RateSummary> {
  const out: Record<string, RateSummary> = {};
  for (const sdk of SDK_VARIANTS) {
    if (!byVariant[sdk]) continue;
    const sidecar = sidecarOf(sdk);
    const cells = [...new Set([sdk, baselineOf(sdk), sidecar, baselineOf(sidecar)])];
    const present = cells.filter((v) => byVariant[v] !== undefined);
    out[sdk] = summariseRate(Object.fromEntries(present.map((v) => [v, byVariant[v] as Measurement[]])), resampleCount);
  }
  return out;
}

/**
 * One kind of latency (`pick`: a repetition's encoded histogram) of every cell, pooled over `reps` for the figure and
 * over each draw for its interval; `figures` gives a cell's percentiles and those minus its baseline's.
 */
function pooled(
  byVariant: Record<string, Measurement[]>,
  pick: (r: Measurement) => string,
  reps: readonly number[],
  draws: readonly number[][],
): {
  resampled: Record<string, Record<string, number[]>>;
  figures(v: string, base: string, n: number): PathFigures | undefined;
} {
  const pcts = REPORTED_PERCENTILES as readonly number[];
  const estimate: Record<string, number[]> = {};
  const resampled: Record<string, Record<string, number[]>> = {};
  const cells: Record<string, PooledCell> = {};
  for (const [v, runs] of Object.entries(byVariant)) {
    const cell = new PooledCell(runs.map(pick));
    cells[v] = cell;
    estimate[v] = cell.percentilesMs(pcts, reps);
    const perDraw = draws.map((d) => cell.percentilesMs(pcts, d));
    resampled[v] = Object.fromEntries(pcts.map((p, j) => [key(p), perDraw.map((x) => x[j] as number)]));
  }
  const figures = (v: string, base: string, n: number): PathFigures | undefined => {
    const cell = cells[v];
    if (!cell) return undefined;
    const addedMs: Record<string, Interval> = {};
    pcts.forEach((p, j) => {
      const mine = resampled[v]?.[key(p)] ?? [];
      const theirs = resampled[base]?.[key(p)] ?? [];
      const est = (estimate[v]?.[j] ?? Number.NaN) - (estimate[base]?.[j] ?? Number.NaN);
      addedMs[key(p)] = intervalOf(
        est,
        mine.map((m, b) => m - (theirs[b] ?? Number.NaN)),
        n,
      );
    });
    return {
      samples: cell.count(reps),
      latencyMs: Object.fromEntries(pcts.map((p, j) => [key(p), estimate[v]?.[j] ?? Number.NaN])),
      addedMs,
    };
  };
  return { resampled, figures };
}
