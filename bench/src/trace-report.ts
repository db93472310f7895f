// Reads the upstream traces a run wrote with --trace-upstreams and prints, per arm, what passive health saw at the
// instances: sheds, bursty arrivals, runs of 5 failures (in answer and in arrival order) and when instances went out.
// Usage: pnpm --filter @outrigger/bench bench:trace results/<out>/traces
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spreadOf } from "@outrigger/bench-stats";
import { type RunTrace, runFigures, STREAK } from "./report/upstream-trace.js";

const dir = process.argv.slice(2).find((a) => a !== "--");
if (!dir) {
  process.stderr.write("usage: bench:trace results/<out>/traces (a folder written with --trace-upstreams)\n");
  process.exit(2);
}

interface RunRow {
  requests: number;
  sheds: number;
  bursts: number;
  streaksAnswered: number;
  streaksArrived: number;
  outPeriods: number;
  outMs: number;
  firstOutAt: number;
  firstStreakAt: number;
}

const byArm = new Map<string, RunRow[]>();
for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
  const run = JSON.parse(readFileSync(join(dir, file), "utf8")) as RunTrace;
  const figures = Object.values(runFigures(run));
  const row: RunRow = {
    requests: figures.reduce((n, f) => n + f.requests, 0),
    sheds: figures.reduce((n, f) => n + f.shedShare * f.requests, 0),
    bursts: figures.reduce((n, f) => n + (Number.isNaN(f.burstShare) ? 0 : f.burstShare * (f.requests - 1)), 0),
    streaksAnswered: figures.reduce((n, f) => n + f.streaksAnswered, 0),
    streaksArrived: figures.reduce((n, f) => n + f.streaksArrived, 0),
    outPeriods: figures.reduce((n, f) => n + f.outPeriods, 0),
    outMs: figures.reduce((n, f) => n + f.outMs, 0),
    firstOutAt: Math.min(...figures.map((f) => (Number.isNaN(f.firstOutAt) ? Infinity : f.firstOutAt))),
    firstStreakAt: Math.min(...figures.map((f) => (Number.isNaN(f.firstStreakAt) ? Infinity : f.firstStreakAt))),
  };
  const key = `${run.scenario} ${run.arm}`;
  byArm.set(key, [...(byArm.get(key) ?? []), row]);
}

const median = (xs: readonly number[]): number => spreadOf(xs).median;
const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : "none");
const list = (rows: RunRow[], f: (r: RunRow) => number, fmt: (x: number) => string): string =>
  rows.map((r) => fmt(f(r))).join(" ");

process.stdout.write(
  [
    `| arm | runs | requests/run | shed % | arrivals < 0.5 ms % | runs of ${STREAK} failures, answer order | arrival order | out periods | out ms | first out at (ms) | first run of ${STREAK} at (ms) |`,
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...[...byArm.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([arm, rows]) =>
        [
          arm,
          rows.length,
          median(rows.map((r) => r.requests)).toFixed(0),
          ((100 * rows.reduce((n, r) => n + r.sheds, 0)) / rows.reduce((n, r) => n + r.requests, 0)).toFixed(1),
          ((100 * rows.reduce((n, r) => n + r.bursts, 0)) / rows.reduce((n, r) => n + r.requests, 0)).toFixed(2),
          list(rows, (r) => r.streaksAnswered, String),
          list(rows, (r) => r.streaksArrived, String),
          list(rows, (r) => r.outPeriods, String),
          list(rows, (r) => r.outMs, ms),
          list(rows, (r) => r.firstOutAt, ms),
          list(rows, (r) => r.firstStreakAt, ms),
        ].join(" | "),
      )
      .map((line) => `| ${line} |`),
    "",
    `Times are ms from the measured window's start (negative: in the warm-up). An out period is a gap of ≥ 100 ms`,
    `with no arrival at an instance. Per-run lists are in file order.`,
    "",
  ].join("\n"),
);
