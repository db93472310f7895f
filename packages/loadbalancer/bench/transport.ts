// `pnpm --filter @outrigger/loadbalancer bench:transport [requestsPerCell] [rounds] [arms] [requestsPerRateCell]`:
// client CPU per request and
// throughput of the transports — bare undici Pool, the lb undici dispatcher (without and with the full policy),
// Node's global fetch through it, plain axios, createLbAxios on its default (undici) transport and on the http
// adapter — at concurrency 32 and 128 (closed loop) and at a fixed 1 000/s (open loop). Two instances answer in a
// child process (bench/fleet.ts), so their CPU is not the client's. Each arm runs in a process of its own
// (transport-arm-child.ts): arms sharing one process share its heap, JIT state and undici globals, and bare undici
// measured 39 µs/request beside one other arm and 44 beside seven. Every round starts the arms' processes anew: a
// process's own luck (its JIT's choices, its heap's layout) stays with it for as long as it lives, so with one process
// per arm for the whole run it was the same in every round and no interval showed it — two 36-round runs on the same
// code disagreed by more than their intervals (lb-undici ÷ bare at c128: 1.00 [0.91, 1.08], then 1.28 [1.20, 1.37]).
// `LB_BENCH_KEEP_PROCESSES=1` keeps one process per arm for the run (the form of 2026-11-30 and 2026-12-01);
// `LB_BENCH_MODES=c32` runs only the named modes.
// `LB_BENCH_SHARED=1` runs every arm in this process, as before 2026-11-30. Rounds are interleaved (every arm runs
// in every round, in a rotated order); CPU is process.cpuUsage() of the arm's process around each cell. Ratios are
// paired by round and given with a 95% t interval; a goal is met/missed only when the interval excludes the threshold.
import { loadavg } from "node:os";
import { atMost, formatInterval, meanInterval } from "@outrigger/bench-stats";
import { ArmProcess, type CellRunner } from "./arm-process.js";
import { armNames, armsFor, twoInstances } from "./transport-arms.js";
import { type Cell, MODES, runCell, warmUp } from "./transport-cell.js";

const perCell = Number(process.argv[2] ?? 400);
const rounds = Number(process.argv[3] ?? 9);
// The 1 000/s cells take a second per 1 000 requests whatever the arm, while a closed-loop cell of one arm alone runs
// 25 000+ requests/s: the closed loop needs far more requests per cell (≥ 30 000) for process.cpuUsage() to resolve.
const perRateCell = Number(process.argv[5] ?? perCell);
const shared = process.env.LB_BENCH_SHARED === "1";
const respawn = !shared && process.env.LB_BENCH_KEEP_PROCESSES !== "1";
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** `LB_BENCH_MODES=c32` (comma-separated mode names) runs only those cells: more rounds of one cell in the same time. */
const modeNames = process.env.LB_BENCH_MODES?.split(",");
const modes = modeNames ? MODES.filter((m) => modeNames.includes(m.name)) : MODES;
if (modes.length === 0) throw new Error(`LB_BENCH_MODES names no mode; use some of ${MODES.map((m) => m.name)}`);
const fleet = await twoInstances();
/** Optional third argument: comma-separated parts of arm names to run (e.g. `bare,lb-undici`); default all. */
const only = process.argv[4]?.split(",");
const wanted = (name: string) => !only || only.some((part) => name.includes(part));
const form = shared
  ? "every arm in this process"
  : `each arm in a process of its own${respawn ? ", new each round" : " for the whole run"}`;
console.log(
  `load average at start: ${load()} (2 cores, shared); ${perCell} requests per closed-loop cell, ${perRateCell} per 1 000/s cell, ${rounds} rounds; ${form}; modes ${modes.map((m) => m.name).join(", ")}`,
);

let arms: CellRunner[];
if (shared) {
  const made = await armsFor(fleet.instances, wanted);
  // Warm-up: JIT, sockets, pools.
  for (const arm of made) await warmUp(arm);
  arms = made.map((arm) => ({ name: arm.name, cell: (mode, total) => runCell(arm, mode, total), close: arm.close }));
} else {
  arms = await startArms();
}

/** Every wanted arm in a new process, started one after another: each warms up alone. */
async function startArms(): Promise<CellRunner[]> {
  const started: CellRunner[] = [];
  for (const name of (await armNames()).filter(wanted)) {
    const child = new ArmProcess(name, fleet.instances);
    await child.started;
    started.push(child);
  }
  return started;
}

const results = new Map<string, Cell[]>();
for (let round = 0; round < rounds; round++) {
  if (respawn && round > 0) {
    for (const arm of arms) await arm.close();
    arms = await startArms();
  }
  const order = arms.map((_, i) => arms[(i + round) % arms.length] as CellRunner);
  for (const mode of modes) {
    for (const arm of order) {
      const cell = await arm.cell(mode.name, mode.openLoop ? perRateCell : perCell);
      const key = `${arm.name}|${mode.name}`;
      results.set(key, [...(results.get(key) ?? []), cell]);
    }
  }
  console.log(`round ${round + 1}/${rounds} done, load average ${load()}`);
}

console.log("\n| client | mode | CPU µs/request (mean ± 95%) | requests/s (mean) | failed |");
console.log("|---|---|---|---|---|");
for (const mode of modes) {
  for (const arm of arms) {
    const cells = results.get(`${arm.name}|${mode.name}`) ?? [];
    const cpu = meanInterval(cells.map((c) => c.cpuUs));
    const rate = cells.reduce((a, c) => a + c.perSecond, 0) / cells.length;
    const failed = cells.reduce((a, c) => a + c.failed, 0);
    const spread = `${cpu.estimate.toFixed(0)} ± ${(cpu.hi - cpu.estimate).toFixed(0)}`;
    console.log(`| ${arm.name} | ${mode.name} | ${spread} | ${rate.toFixed(0)} | ${failed} |`);
  }
}

/** Per-round ratio of CPU per request of arm `a` to arm `b` in `mode`, as an interval. */
const ratio = (a: string, b: string, mode: string) => {
  const x = results.get(`${a}|${mode}`) ?? [];
  const y = results.get(`${b}|${mode}`) ?? [];
  return meanInterval(x.map((cell, i) => cell.cpuUs / (y[i] as Cell).cpuUs));
};
console.log("\n| goal | mode | ratio (mean, 95% interval) | verdict |");
console.log("|---|---|---|---|");
const goals: [string, string, number][] = [
  ["lb-undici full policy", "bare undici Pool", 1.25],
  ["lb-undici built-in policy", "bare undici Pool", 1.25],
  ["lb-undici", "bare undici Pool", 1.25],
  ["lb-axios (default: undici transport)", "plain axios", 1.0],
  ["lb-axios (http adapter)", "plain axios", 1.0],
  // With LB_BENCH_BASELINE (transport-arms.ts): the same goal on the code before the change, and the change itself.
  ["lb-undici full policy (baseline)", "bare undici Pool", 1.25],
  ["lb-undici full policy", "lb-undici full policy (baseline)", 1.0],
  ["lb-undici (baseline)", "bare undici Pool", 1.25],
  ["lb-undici", "lb-undici (baseline)", 1.0],
  ["lb-axios (http adapter) (baseline)", "plain axios", 1.0],
  ["lb-axios (http adapter)", "lb-axios (http adapter) (baseline)", 1.0],
  ["lb-axios (default: undici transport)", "lb-axios (default: undici transport) (baseline)", 1.0],
];
const present = new Set(arms.map((arm) => arm.name));
for (const [a, b, max] of goals) {
  if (!present.has(a) || !present.has(b)) continue;
  for (const mode of modes) {
    const r = ratio(a, b, mode.name);
    console.log(`| ${a} ≤ ${max}× ${b} | ${mode.name} | ${formatInterval(r)} | ${atMost(r, max)} |`);
  }
}
console.log(`\nload average at end: ${load()}`);
for (const arm of arms) await arm.close();
await fleet.close();
