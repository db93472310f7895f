import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeAtomically } from "@outrigger/config";
import { Fleet } from "../fleet/fleet.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import type { Progress } from "../progress.js";
import { POLICY_FILE_NAME } from "../variants/live-drain.js";
import { type Arm, arms } from "./arms.js";
import { FAILURE_SCENARIOS, type FailureScenario, type ScenarioContext } from "./failure-scenarios.js";
import { type Measurement, measure } from "./measure.js";
import { addRun, type Grouped } from "./runs.js";
import { startVariant } from "./variant.js";

export { FAILURE_VARIANTS } from "./arms.js";

/** One failure run: the load measurement plus the scenario's own figures. */
export interface FailureRun extends Measurement {
  readonly arm: string;
  readonly figures: Record<string, number>;
  /** Failed downstream calls by error code, as the client saw them. */
  readonly failureCodes: Record<string, number>;
}

/** Failure runs: `runs[scenario][arm][rep]`, an arm being a variant (and policy, when a scenario has several). */
export type FailureRuns = Grouped<FailureRun>;

/** Scenarios selected by `--only` (all when empty). */
export function selectedScenarios(options: BenchOptions): FailureScenario[] {
  return FAILURE_SCENARIOS.filter((s) => options.only.length === 0 || options.only.includes(s.name));
}

/** Number of progress steps the failure scenarios take. */
export function failureSteps(options: BenchOptions): number {
  return selectedScenarios(options).reduce((n, s) => n + arms(s).length * options.failureReps, 0);
}

/**
 * Writes one run's upstream traces (`--trace-upstreams`) to `results/<out or date>/traces/`, for `bench:trace`:
 * each instance's requests beside the window they belong to.
 */
async function writeTrace(
  fleet: Fleet,
  run: { scenario: string; arm: string; rep: number },
  m: Measurement,
  options: BenchOptions,
): Promise<void> {
  const folder = options.out ?? new Date().toISOString().slice(0, 10);
  const dir = fileURLToPath(new URL(`../../results/${folder}/traces/`, import.meta.url));
  mkdirSync(dir, { recursive: true });
  const trace = {
    ...run,
    windowStart: m.windowStart,
    warmupMs: options.warmupMs,
    durationMs: options.failureMs,
    sent: m.sent,
    errors: m.errors,
    upstreams: await fleet.traces(),
  };
  writeFileSync(join(dir, `${run.scenario}-${run.arm.replaceAll(" ", "_")}-${run.rep}.json`), JSON.stringify(trace));
}

async function runOnce(
  generator: BenchProcess,
  scenario: FailureScenario,
  arm: Arm,
  options: BenchOptions,
  rep: number,
): Promise<FailureRun> {
  // A fresh fleet and client per run: a killed instance or a drained one must not leak into the next run.
  const fleet = await Fleet.start(options.fleetSize, scenario.labels, options.traceUpstreams);
  // The SDK's live policy, laid out as a mounted ConfigMap (written the way kubelet writes one).
  const policyDir = mkdtempSync(join(tmpdir(), "outrigger-bench-policy-"));
  const traceDir = mkdtempSync(join(tmpdir(), "outrigger-bench-connects-"));
  writeAtomically(policyDir, { [POLICY_FILE_NAME]: JSON.stringify({ drain: [] }) });
  try {
    for (const u of fleet.list()) {
      const behaviour = { ...scenario.fleetBehaviour, ...scenario.instanceBehaviour?.[u.name] };
      if (Object.keys(behaviour).length > 0) await fleet.set(u.name, behaviour);
    }
    // Not in the policy directory: the live config watches that one, and strace writes to its log.
    const connectLog = scenario.traceConnects ? join(traceDir, "connects.log") : undefined;
    await scenario.setup?.({ fleet, policyDir, source: arm.source });
    const variant = await startVariant(arm.variant, fleet, {
      policy: arm.policy,
      policyDir,
      connectLog,
      judgeKeptResponse: true,
      ...(arm.source ? { policySource: arm.source } : {}),
    });
    try {
      const ctx: ScenarioContext = { fleet, variant, marks: {}, policyDir, source: arm.source, options, connectLog };
      await scenario.prepare?.(ctx);
      const m = await measure(
        generator,
        variant,
        { ratePerSec: scenario.rate(options), warmupMs: options.warmupMs, durationMs: options.failureMs },
        scenario.actions(ctx),
      );
      // Counted by the upstreams themselves, so a side that opens a connection per request shows it (it costs a
      // connect on every request, which is not the comparison we mean to make).
      const figures = { ...(await scenario.collect(ctx, m)), upstreamConnections: await fleet.connections() };
      if (options.traceUpstreams)
        await writeTrace(fleet, { scenario: scenario.name, arm: arm.arm, rep: rep + 1 }, m, options);
      const { failures } = await variant.client.request({ cmd: "attempts" });
      return { ...m, arm: arm.arm, figures, failureCodes: failures as Record<string, number> };
    } finally {
      await variant.close();
    }
  } finally {
    await fleet.close();
    rmSync(policyDir, { recursive: true, force: true });
    rmSync(traceDir, { recursive: true, force: true });
  }
}

/** Runs every selected failure scenario, arms interleaved within each repetition. */
export async function runFailures(
  generator: BenchProcess,
  options: BenchOptions,
  progress: Progress,
): Promise<FailureRuns> {
  const runs: FailureRuns = {};
  for (const scenario of selectedScenarios(options)) {
    for (let rep = 0; rep < options.failureReps; rep++) {
      for (const arm of arms(scenario)) {
        const run = await runOnce(generator, scenario, arm, options, rep);
        addRun(runs, scenario.name, arm.arm, run);
        const figures = Object.entries(run.figures).map(([k, v]) => `${k} ${v.toFixed(1)}`);
        progress.step(
          `${scenario.name} rep ${rep + 1} ${arm.arm}`,
          [
            `errors ${run.errors}/${run.sent}`,
            `p99 ${run.percentiles.p99?.toFixed(1)} ms`,
            ...figures,
            JSON.stringify(run.failureCodes),
          ].join(", "),
        );
      }
    }
  }
  return runs;
}
