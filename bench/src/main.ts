// One command for the whole benchmark: steady state and failure scenarios for every variant, then the report,
// raw JSON, SVG charts and results/latest.json. Progress goes to stderr; the last stdout line is the summary JSON.
import { execFileSync } from "node:child_process";
import { cpus, loadavg, release } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseOptions } from "./options.js";
import { V8_FLAGS } from "./proc/node-flags.js";
import { startScript } from "./proc/node-script.js";
import { CORES, haproxyPath, tasksetPath } from "./proc/pin.js";
import { Progress } from "./progress.js";
import { LOADED_NOTE, writeResults } from "./report/write-results.js";
import { capacityRounds } from "./scenarios/capacity.js";
import { type CpuRuns, cpuSteps, runCpu } from "./scenarios/cpu.js";
import { type FailureRuns, failureSteps, runFailures } from "./scenarios/failures.js";
import { runSteady, type SkippedCells, type SteadyRuns, steadySteps } from "./scenarios/steady.js";
import type { WarmedUp } from "./scenarios/warm-up.js";

const options = parseOptions(process.argv.slice(2));
const haproxy = haproxyPath();
const taskset = tasksetPath();
// The orchestrator (and the registry inside it) belongs on the load core, with all its threads.
execFileSync(taskset, ["-a", "-p", "-c", String(CORES.load), String(process.pid)], { stdio: "ignore" });

/** A 1-minute load average above this at the start (2 cores) means other work competes with the run. */
const LOADED_ABOVE = 1;
/**
 * The 1-minute load average decays with a 1-minute time constant, so a build finished just before the run still
 * shows as load (run 2026-11-30 started at 1.72 right after `pnpm -r build` and was flagged loaded). Wait up to this
 * long for it to settle; work that keeps running keeps it high and the run is flagged.
 */
const SETTLE_MS = 180_000;
for (const start = Date.now(); (loadavg()[0] ?? 0) > LOADED_ABOVE && Date.now() - start < SETTLE_MS; ) {
  process.stderr.write(
    `bench: load average ${(loadavg()[0] ?? 0).toFixed(2)} > ${LOADED_ABOVE}; waiting for it to settle\n`,
  );
  await sleep(10_000);
}
const loadedMachine = (loadavg()[0] ?? 0) > LOADED_ABOVE;
const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
const started = new Date();
const date = started.toISOString().slice(0, 10);
const withSteady = options.only.length === 0 || options.only.includes("steady");
const withCpu = options.only.length === 0 || options.only.includes("cpu");
const progress = new Progress(
  (withCpu ? cpuSteps(options) : 0) + (withSteady ? steadySteps(options) : 0) + failureSteps(options),
);
process.stderr.write(`bench: ${progress.total} runs; load average ${loadAtStart} (2 cores: shared machine?)\n`);

const generator = startScript("generator", CORES.load, "load/generator.ts");
await generator.waitFor((m) => m.event === "ready");
let cpuRuns: CpuRuns = {};
let steadyRuns: SteadyRuns = {};
let skipped: SkippedCells = {};
let steadyWarmUps: Record<string, WarmedUp[]> = {};
let failureRuns: FailureRuns = {};
try {
  // The CPU phase first: its closed-loop throughput is each variant's capacity, which the steady phase respects.
  if (withCpu) cpuRuns = await runCpu(generator, options, progress);
  if (withSteady)
    ({
      runs: steadyRuns,
      skipped,
      warmUps: steadyWarmUps,
    } = await runSteady(generator, options, progress, capacityRounds(cpuRuns)));
  failureRuns = await runFailures(generator, options, progress);
} finally {
  await generator.kill("SIGTERM");
}

const environment = {
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, Linux ${release()}`,
  "load average (1/5/15 min) at start": loadAtStart,
  "load average at end": loadavg()
    .map((l) => l.toFixed(2))
    .join(" "),
  node: process.version,
  haproxy: execFileSync(haproxy, ["-v"], { encoding: "utf8" }).split("\n")[0] ?? "",
  started: started.toISOString(),
  finished: new Date().toISOString(),
  note: loadedMachine ? LOADED_NOTE : "shared machine, quiet at the start of the run",
};
const folder = options.out ?? date;
// Only a full run stands for the benchmark: a partial (--only) or quick one keeps latest.json as it was.
const latest = options.only.length === 0 && !process.argv.includes("--quick");
const raw = {
  environment,
  options,
  cpu: cpuRuns,
  steady: steadyRuns,
  skipped,
  failures: failureRuns,
  steadyWarmUps,
  // Rotation is only a fact of the run when there were rates to rotate.
  method: {
    goalPooling: "compared-cells" as const,
    ...(options.rates.length > 1 ? { rateOrder: "rotated" as const } : {}),
    ...(withSteady ? { warmUpPhase: "random" as const } : {}),
    v8Flags: [...V8_FLAGS],
  },
};
const { report, goals } = writeResults(raw, folder, latest);
process.stderr.write(`bench: report written to results/${folder}/report.md\n`);
process.stdout.write(
  `${JSON.stringify({ report, goals: goals.map((g) => ({ goal: g.goal, status: g.status })), loadedMachine })}\n`,
);
process.exit(0);
