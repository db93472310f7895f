import { atMost, bootstrap, type Interval, intervalOf, meanAt, type Verdict } from "@outrigger/bench-stats";
import { belowEveryRound, capacityRounds } from "../scenarios/capacity.js";
import type { CpuRuns } from "../scenarios/cpu.js";
import { FAILURE_SCENARIOS } from "../scenarios/failure-scenarios.js";
import type { FailureRuns } from "../scenarios/failures.js";
import { SDK_VARIANTS, sidecarOf } from "../scenarios/variant-names.js";
import { governanceRatio } from "./cpu-summary.js";
import { describeMargin, marginMs } from "./noninferiority.js";
import type { RateSummary } from "./steady-summary.js";

/** One goal of the issue, checked against the figures. */
export interface GoalCheck {
  readonly goal: string;
  /** Met or missed only when the 95% interval excludes the threshold; otherwise (or without data) inconclusive. */
  readonly status: Verdict;
  readonly detail: string;
  /**
   * The interval the verdict rests on and the threshold it is held against (at most `threshold`), for comparing
   * runs (`compareRuns`); absent when no interval decided it (too few samples, a cell not run, over capacity).
   */
  readonly interval?: Interval;
  readonly threshold?: number;
}

/**
 * The sidecar arm the failure scenarios hold both SDK transports against (they run one HAProxy arm; the steady and
 * CPU goals pair each SDK transport with the sidecar whose client sends the same way, `sidecarOf`).
 */
export const FAILURE_SIDECAR = "haproxy-http";

/** Pooled samples a percentile needs per cell before a verdict rests on it (p99 ≥ 1 000, p99.9 ≥ 10 000). */
export const MIN_SAMPLES: Record<string, number> = { p99: 1_000, "p99.9": 10_000 };

/** The governance CPU goal: the SDK's at most this share of the sidecar's (issue 16). */
export const CPU_SHARE = 1 / 3;

const f = (n: number, digits = 3): string => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");

/** `estimate [lo, hi]` with `digits` decimals, or the estimate with "no interval" below the repetitions needed. */
export function formatInterval(
  i: (Pick<Interval, "estimate" | "lo" | "hi"> & { readonly n?: number }) | undefined,
  digits = 3,
): string {
  if (!i || !Number.isFinite(i.estimate)) return "n/a";
  if (!Number.isFinite(i.lo)) return `${f(i.estimate, digits)} (no interval: ${i.n} reps)`;
  return `${f(i.estimate, digits)} [${f(i.lo, digits)}, ${f(i.hi, digits)}]`;
}

/**
 * The added-latency goals of one rate: each SDK variant's added p99 / p99.9 at or below that of the sidecar on the
 * same client transport (`sidecarOf`): the difference under the non-inferiority margin, 10% of the sidecar's own
 * percentile (`NONINFERIORITY_SHARE`; runs before 2026-12-03 were judged against 0). Both are measured over the same
 * baseline, so the difference is that of their pooled percentiles, resampled by whole repetitions.
 */
function latencyGoals(
  rate: string,
  all: RateSummary,
  cpu: CpuRuns,
  bySdk: Record<string, RateSummary> | undefined,
): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const sdk of SDK_VARIANTS) {
    // Its own cells' repetitions (`summariseGoalCells`) when given, else those of every variant at the rate.
    const s = bySdk?.[sdk] ?? all;
    const sidecar = sidecarOf(sdk);
    const mine = s.byVariant[sdk];
    const hap = s.byVariant[sidecar];
    for (const p of ["p99", "p99.9"]) {
      const goal = `${sdk}: added ${p} ≤ ${sidecar}'s at ${rate}/s`;
      const overCapacity = mine && !hap ? sidecarOverCapacity(sdk, Number(rate), s, cpu, p) : undefined;
      if (overCapacity) {
        goals.push({ goal, status: "met", detail: overCapacity });
        continue;
      }
      if (!mine || !hap) {
        goals.push({ goal, status: "inconclusive", detail: `not run at this rate (${!mine ? sdk : sidecar})` });
        continue;
      }
      const cells = [sdk, mine.baseline, sidecar, hap.baseline];
      const e2e = addedDifference(s, s.resampled, cells, p, (v) => s.byVariant[v]);
      const onPath = cells.every((v) => s.byVariant[v]?.path !== undefined);
      const path = onPath ? addedDifference(s, s.resampledPath, cells, p, (v) => s.byVariant[v]?.path) : undefined;
      // The verdict rests on the path figures where the run has them (bench/README.md, "Added latency").
      const basis = path ?? e2e;
      const enough = basis.fewest >= (MIN_SAMPLES[p] ?? 0);
      // A tie is "at" HAProxy's: the threshold is the non-inferiority margin, not 0 (noninferiority.ts).
      const level = path ? (hap.path?.latencyMs[p] ?? Number.NaN) : (hap.latencyMs[p] ?? Number.NaN);
      const margin = marginMs(level);
      const describe = (d: AddedDifference, what: string): string =>
        `${what}: ${formatInterval(d.diff)} ms (SDK ${f(d.sdk)}, HAProxy ${f(d.sidecar)})`;
      const parts = [
        ...(path ? [describe(path, `SDK − HAProxy added ${p} per request, upstream time excluded`)] : []),
        describe(e2e, path ? "end to end" : `SDK − HAProxy added ${p}`),
      ];
      const judged = enough && Number.isFinite(margin);
      let where = "";
      if (!Number.isFinite(margin)) where = `no margin: HAProxy's ${p} unknown; `;
      else if (judged)
        where = `${describeMargin(basis.diff, margin, `HAProxy's ${path ? "path " : ""}${p} ${f(level)} ms`)}; `;
      goals.push({
        goal,
        status: judged ? atMost(basis.diff, margin) : "inconclusive",
        ...(judged ? { interval: basis.diff, threshold: margin } : {}),
        detail: `${where}${parts.join("; ")}, over ${mine.baseline}; fewest samples in a cell ${basis.fewest}${enough ? "" : ` < ${MIN_SAMPLES[p]}: too few for a verdict`}; ${s.reps.length} reps`,
      });
    }
  }
  return goals;
}

/** SDK − sidecar added latency at one percentile, over their baselines, with its interval and the cells' samples. */
interface AddedDifference {
  readonly diff: Interval;
  readonly sdk: number;
  readonly sidecar: number;
  readonly fewest: number;
}

/**
 * `cells` = [sdk, its baseline, sidecar, its baseline]: the difference of their added `p` on each resample (the
 * same draws for every cell, so pairing survives) and on the pooled figures (`figures` of one kind of latency).
 */
function addedDifference(
  s: RateSummary,
  resampled: Record<string, Record<string, number[]>>,
  cells: readonly string[],
  p: string,
  figures: (v: string) => { samples: number; addedMs: Record<string, Interval> } | undefined,
): AddedDifference {
  const [sdk, sdkBase, sidecar, sidecarBase] = cells as [string, string, string, string];
  const at = (v: string, b: number): number => resampled[v]?.[p]?.[b] ?? Number.NaN;
  const draws = (resampled[sdk]?.[p] ?? []).map(
    (_, b) => at(sdk, b) - at(sdkBase, b) - (at(sidecar, b) - at(sidecarBase, b)),
  );
  const mine = figures(sdk)?.addedMs[p]?.estimate ?? Number.NaN;
  const theirs = figures(sidecar)?.addedMs[p]?.estimate ?? Number.NaN;
  return {
    diff: intervalOf(mine - theirs, draws, s.reps.length),
    sdk: mine,
    sidecar: theirs,
    fewest: Math.min(...cells.map((v) => figures(v)?.samples ?? 0)),
  };
}

/**
 * Why an SDK variant's added `p` at `rate` is at or below its sidecar's when the sidecar's cell was not run: the
 * sidecar's closed-loop throughput (CPU phase, same client and cores) stayed below `rate` in every round, so offered
 * `rate` open loop its queue, and with it its latency, grows for as long as the load lasts (no finite percentile),
 * while the SDK variant carried `rate` (every repetition on time) with enough samples for `p` — its added latency is
 * finite, at most its own latency when the baseline was not run either. Undefined when that is not shown: no CPU rounds,
 * any round at or above `rate`, or an SDK repetition rejected or short of samples — the goal then stays inconclusive.
 */
function sidecarOverCapacity(sdk: string, rate: number, s: RateSummary, cpu: CpuRuns, p: string): string | undefined {
  const sidecar = sidecarOf(sdk);
  const rounds = capacityRounds(cpu)[sidecar] ?? [];
  const mine = s.byVariant[sdk];
  if (!mine || !belowEveryRound(rounds, rate)) return undefined;
  // Every repetition of the SDK cell on time, with enough samples for the percentile.
  if (mine.accepted < mine.runs || mine.samples < (MIN_SAMPLES[p] ?? 0)) return undefined;
  // Without the baseline's cell (skipped for its own capacity) the SDK's added latency is at most its latency.
  const figure = s.byVariant[mine.baseline]
    ? `added ${p} ${f(mine.addedMs[p]?.estimate ?? Number.NaN)} ms over ${mine.baseline}`
    : `${p} ${f(mine.latencyMs[p] ?? Number.NaN)} ms, its added ${p} at most that (${mine.baseline} not run at this rate)`;
  return `${sidecar} cannot carry ${rate}/s: its closed-loop capacity stayed below it in all ${rounds.length} rounds (max ${Math.max(...rounds).toFixed(0)}/s), so open loop at this rate its latency grows without bound; ${sdk} carried it: ${figure} (${mine.samples} samples; ${s.reps.length} reps)`;
}

/**
 * The governance-CPU goals: each SDK variant's ≤ 1/3 of the sidecar's on the same client transport (`sidecarOf`),
 * as a ratio with its interval over closed-loop rounds.
 */
function cpuGoals(cpu: CpuRuns): GoalCheck[] {
  return SDK_VARIANTS.filter((sdk) => cpu[sdk] && cpu[sidecarOf(sdk)]).map((sdk) => {
    const sidecar = sidecarOf(sdk);
    const ratio = governanceRatio(cpu, sdk, sidecar);
    return {
      goal: `${sdk}: governance CPU/request ≤ 1/3 of ${sidecar}'s (closed loop)`,
      status: atMost(ratio, CPU_SHARE),
      interval: ratio,
      threshold: CPU_SHARE,
      detail: `ratio ${formatInterval(ratio)} over ${ratio.n} rounds (threshold ${f(CPU_SHARE)})`,
    };
  });
}

/**
 * Arm name suffixes paired with the sidecar's arm: a policy (`sdk matched` with `haproxy-http matched`), or an SDK
 * policy source (`sdk central` and `sdk file` with `haproxy-http`, which has one way to take a change).
 */
const ARM_SUFFIXES: ReadonlyArray<readonly [sdk: string, sidecar: string]> = [
  ["", ""],
  [" matched", " matched"],
  [" no-retry", " no-retry"],
  [" central", ""],
  [" file", ""],
];

/** One SDK arm's client-visible errors against the sidecar's arm of the same policy, paired by repetition. */
export interface ErrorComparison {
  readonly scenario: string;
  /** The arm suffix (`" matched"`, `" central"`, or `""`). */
  readonly policy: string;
  readonly sdk: string;
  /** SDK − HAProxy errors per run: the mean over paired runs, with its 95% interval. */
  readonly diff: Interval;
  readonly n: number;
}

/** Every SDK arm of every failure scenario against the sidecar's, by repetition (`diff`: mean SDK − HAProxy errors). */
export function errorComparisons(failures: FailureRuns): ErrorComparison[] {
  const out: ErrorComparison[] = [];
  for (const [scenario, byArm] of Object.entries(failures)) {
    for (const [policy, sidecarPolicy] of ARM_SUFFIXES) {
      const hap = byArm[`${FAILURE_SIDECAR}${sidecarPolicy}`];
      for (const sdk of SDK_VARIANTS) {
        const mine = byArm[`${sdk}${policy}`];
        if (!mine || !hap) continue;
        const n = Math.min(mine.length, hap.length);
        const diffs = Array.from(
          { length: n },
          (_, i) => (mine[i]?.errors ?? Number.NaN) - (hap[i]?.errors ?? Number.NaN),
        );
        out.push({ scenario, policy, sdk, diff: bootstrap(n, (idx) => meanAt(diffs, idx)), n });
      }
    }
  }
  return out;
}

/** `scenario`'s errors comparison is a goal: every scenario but those that say why it is not (`errorsNotJudged`). */
export function errorsJudged(scenario: string): boolean {
  return !FAILURE_SCENARIOS.find((s) => s.name === scenario)?.errorsNotJudged;
}

/** "SDK − HAProxy errors per run: estimate [lo, hi] (n paired runs)". */
export function describeErrors(c: ErrorComparison): string {
  return `SDK − HAProxy errors per run: ${formatInterval(c.diff, 1)} (${c.n} paired runs)`;
}

/** The failure goals: a judged scenario's SDK arm met when its errors per run stay ≤ HAProxy's throughout. */
function failureGoals(failures: FailureRuns): GoalCheck[] {
  return errorComparisons(failures)
    .filter((c) => errorsJudged(c.scenario))
    .map((c) => ({
      goal: `${c.scenario}${c.policy}: ${c.sdk} client-visible errors ≤ HAProxy's`,
      status: atMost(c.diff, 0),
      interval: c.diff,
      threshold: 0,
      detail: describeErrors(c),
    }));
}

/**
 * Checks the issue's goals; each verdict rests on a 95% bootstrap interval over repetitions. `goalCells`: per rate,
 * per SDK variant, the summary of only the cells its latency goals compare (`summariseGoalCells`); without it a goal
 * pools the repetitions in which every variant at the rate was on time (runs rendered before 2026-12-01).
 */
export function checkGoals(
  steady: Record<string, RateSummary>,
  cpu: CpuRuns,
  failures: FailureRuns,
  goalCells?: Record<string, Record<string, RateSummary>>,
): GoalCheck[] {
  return [
    ...cpuGoals(cpu),
    ...Object.entries(steady).flatMap(([rate, s]) => latencyGoals(rate, s, cpu, goalCells?.[rate])),
    ...failureGoals(failures),
  ];
}
