import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BenchOptions } from "../options.js";
import type { CpuRuns } from "../scenarios/cpu.js";
import type { FailureRuns } from "../scenarios/failures.js";
import type { SkippedCells, SteadyRuns } from "../scenarios/steady.js";
import { selectedVariants } from "../scenarios/variant-names.js";
import type { WarmedUp } from "../scenarios/warm-up.js";
import { SDK_GAPS } from "../variants/sdk.js";
import { buildCharts } from "./charts.js";
import { summariseCpu } from "./cpu-summary.js";
import { checkGoals, errorComparisons, type GoalCheck } from "./goals.js";
import { renderReport } from "./markdown.js";
import { summariseGoalCells, summariseRate } from "./steady-summary.js";
import { ISTIO, summariseFailures } from "./summarise.js";

/** What a run measured: exactly what `raw.json` holds, so a report can be rendered again from it (`render.ts`). */
export interface RawResults {
  readonly environment: Record<string, string>;
  readonly options: BenchOptions;
  readonly cpu: CpuRuns;
  readonly steady: SteadyRuns;
  readonly skipped: SkippedCells;
  readonly failures: FailureRuns;
  /**
   * How the run's latency goals pool repetitions: `compared-cells` (runs from 2026-12-01 on), the repetitions in which
   * the cells a goal compares were on time (`summariseGoalCells`); absent (the runs before), those in which every
   * variant at the rate was. Kept in raw.json so a re-render gives a run the verdicts it was reported with.
   * `rateOrder: "rotated"` (runs from 2026-12-04-full-23 on): the rates' order inside a steady pass rotated by the
   * pass (`steadyPlan`), recorded when the run had more than one rate; absent, every pass ran its rates in the order
   * `--rates` gave (ascending by default). `warmUpPhase: "random"` (runs from 2026-12-04-full-24 on): each steady
   * client was loaded for a random share of its heap cycle before its windows (`warmUp`); absent, its warm-up ended
   * at its first mark-compact under load. `v8Flags` (from full-24 on): the V8 flags every bench Node process ran with
   * (`proc/node-flags.ts`); absent, `--no-memory-reducer` alone (runs from 2026-12-03) or none (before).
   */
  readonly method?: {
    readonly goalPooling?: "compared-cells";
    readonly rateOrder?: "rotated";
    readonly warmUpPhase?: "random";
    readonly v8Flags?: readonly string[];
  };
  /**
   * How each steady client's warm-up ended, per variant in pass order (runs from 2026-12-04-full-24 on): its cycle,
   * the random phase drawn and the mark-compacts before its windows (`scenarios/warm-up.ts`).
   */
  readonly steadyWarmUps?: Record<string, readonly WarmedUp[]>;
}

/** The note `main.ts` puts in `environment.note` when the machine was loaded at the start. */
export const LOADED_NOTE = "loaded shared machine (other work running): re-run on a quiet one";

/**
 * Summarises `raw` and writes `results/<folder>/`: raw.json, summary.json, report.md and the SVG charts; with
 * `latest`, also results/latest.json. Returns the report's path (relative to bench/) and the goals.
 */
export function writeResults(
  raw: RawResults,
  folder: string,
  latest: boolean,
): { report: string; goals: readonly GoalCheck[]; loadedMachine: boolean } {
  const { environment, options } = raw;
  const loadedMachine = environment.note === LOADED_NOTE;
  const date = (environment.started ?? "").slice(0, 10);
  const steady = Object.fromEntries(
    Object.entries(raw.steady).map(([rate, byVariant]) => [rate, summariseRate(byVariant)]),
  );
  const cpu = summariseCpu(raw.cpu);
  const failures = summariseFailures(raw.failures);
  const perGoal = raw.method?.goalPooling === "compared-cells";
  const goalCells = perGoal
    ? Object.fromEntries(Object.entries(raw.steady).map(([rate, byVariant]) => [rate, summariseGoalCells(byVariant)]))
    : undefined;
  const goals = checkGoals(steady, raw.cpu, raw.failures, goalCells);
  const outDir = fileURLToPath(new URL(`../../results/${folder}/`, import.meta.url));
  mkdirSync(outDir, { recursive: true });
  const charts = buildCharts(raw.steady, raw.failures);
  for (const [name, svg] of Object.entries(charts)) writeFileSync(`${outDir}${name}`, svg);
  const summary = {
    date,
    loadedMachine,
    environment,
    options,
    cpu,
    steady: Object.fromEntries(Object.entries(steady).map(([rate, s]) => [rate, { ...s, resampled: undefined }])),
    skipped: raw.skipped,
    failures,
    goals,
    istio: ISTIO,
    sdkGaps: SDK_GAPS,
    report: `results/${folder}/report.md`,
  };
  writeFileSync(`${outDir}raw.json`, `${JSON.stringify(raw)}\n`);
  writeFileSync(`${outDir}summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(
    `${outDir}report.md`,
    renderReport({
      date,
      environment,
      options: { ...options },
      cpu,
      steady,
      skipped: raw.skipped,
      failures,
      errorComparisons: errorComparisons(raw.failures),
      goals,
      charts: Object.keys(charts),
      loadedMachine,
      variants: selectedVariants(options.variants),
      perGoalPooling: perGoal,
      ratesRotated: raw.method?.rateOrder === "rotated",
      randomPhase: raw.method?.warmUpPhase === "random",
      youngGenerationFixed: (raw.method?.v8Flags ?? []).some((f) => f.startsWith("--min-semi-space-size")),
    }),
  );
  if (latest) {
    writeFileSync(
      fileURLToPath(new URL("../../results/latest.json", import.meta.url)),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  }
  return { report: summary.report, goals, loadedMachine };
}
