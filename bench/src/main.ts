// One command for the whole benchmark: steady state and failure scenarios for every variant, then the report,
// raw JSON, SVG charts and results/latest.json. Progress goes to stderr; the last stdout line is the summary JSON.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { fileURLToPath } from "node:url";
import { parseOptions } from "./options.js";
import { startScript } from "./proc/node-script.js";
import { CORES, haproxyPath, tasksetPath } from "./proc/pin.js";
import { Progress } from "./progress.js";
import { buildCharts } from "./report/charts.js";
import { renderReport } from "./report/markdown.js";
import { checkGoals, ISTIO, summariseFailures, summariseRate } from "./report/summarise.js";
import { type FailureRuns, failureSteps, runFailures } from "./scenarios/failures.js";
import { runSteady, type SteadyRuns, steadySteps } from "./scenarios/steady.js";
import { SDK_GAPS } from "./variants/sdk.js";

const options = parseOptions(process.argv.slice(2));
const haproxy = haproxyPath();
const taskset = tasksetPath();
// The orchestrator (and the registry inside it) belongs on the load core, with all its threads.
execFileSync(taskset, ["-a", "-p", "-c", String(CORES.load), String(process.pid)], { stdio: "ignore" });

/** A 1-minute load average above this at the start (2 cores) means other work competes with the run. */
const LOADED_ABOVE = 1;
const loadedMachine = (loadavg()[0] ?? 0) > LOADED_ABOVE;
const loadAtStart = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
const started = new Date();
const date = started.toISOString().slice(0, 10);
const withSteady = options.only.length === 0 || options.only.includes("steady");
const progress = new Progress((withSteady ? steadySteps(options) : 0) + failureSteps(options));
process.stderr.write(`bench: ${progress.total} runs; load average ${loadAtStart} (2 cores: shared machine?)\n`);

const generator = startScript("generator", CORES.load, "load/generator.ts");
await generator.waitFor((m) => m.event === "ready");
let steadyRuns: SteadyRuns = {};
let failureRuns: FailureRuns = {};
try {
  if (withSteady) steadyRuns = await runSteady(generator, options, progress);
  failureRuns = await runFailures(generator, options, progress);
} finally {
  await generator.kill("SIGTERM");
}

const steady = Object.fromEntries(
  Object.entries(steadyRuns).map(([rate, byVariant]) => [rate, summariseRate(byVariant)]),
);
const failures = summariseFailures(failureRuns);
const goals = checkGoals(steady, failures);
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
  note: loadedMachine
    ? "loaded shared machine (other work running): re-run on a quiet one"
    : "shared machine, quiet at the start of the run",
};
const folder = options.out ?? date;
const outDir = fileURLToPath(new URL(`../results/${folder}/`, import.meta.url));
mkdirSync(outDir, { recursive: true });
const charts = buildCharts(steadyRuns, failureRuns);
for (const [name, svg] of Object.entries(charts)) writeFileSync(`${outDir}${name}`, svg);
const summary = {
  date,
  loadedMachine,
  environment,
  options,
  steady,
  failures,
  goals,
  istio: ISTIO,
  sdkGaps: SDK_GAPS,
  report: `results/${folder}/report.md`,
};
writeFileSync(
  `${outDir}raw.json`,
  `${JSON.stringify({ environment, options, steady: steadyRuns, failures: failureRuns })}\n`,
);
writeFileSync(`${outDir}summary.json`, `${JSON.stringify(summary, null, 2)}\n`);
writeFileSync(
  `${outDir}report.md`,
  renderReport({
    date,
    environment,
    options: { ...options },
    steady,
    failures,
    goals,
    charts: Object.keys(charts),
    loadedMachine,
  }),
);
// Only a full run stands for the benchmark: a partial one (--only) keeps latest.json as it was.
if (options.only.length === 0) {
  writeFileSync(
    fileURLToPath(new URL("../results/latest.json", import.meta.url)),
    `${JSON.stringify(summary, null, 2)}\n`,
  );
}
process.stderr.write(`bench: report written to ${outDir}report.md\n`);
process.stdout.write(
  `${JSON.stringify({ report: summary.report, goals: goals.map((g) => ({ goal: g.goal, status: g.status })), loadedMachine })}\n`,
);
process.exit(0);
