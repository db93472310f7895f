// `pnpm --filter @outrigger/loadbalancer bench:transport [requestsPerCell] [rounds] [arms]`: client CPU per request and
// throughput of the transports — bare undici Pool, the lb undici dispatcher (without and with the full policy),
// Node's global fetch through it, plain axios, createLbAxios on its default (undici) transport and on the http
// adapter — at concurrency 32 and 128 (closed loop) and at a fixed 1 000/s (open loop). Two instances answer in a
// child process (bench/fleet.ts), so their CPU is not the client's. Rounds are interleaved (every arm runs in every
// round, in a rotated order); CPU is process.cpuUsage() around each cell. Ratios are paired by round and given
// with a 95% t interval; a goal is met/missed only when the interval excludes the threshold.
import { loadavg } from "node:os";
import { atMost, formatInterval, meanInterval } from "@outrigger/bench-stats";
import { type Arm, armsOverTwoInstances } from "./transport-arms.js";

const perCell = Number(process.argv[2] ?? 400);
const rounds = Number(process.argv[3] ?? 9);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

interface Cell {
  cpuUs: number;
  perSecond: number;
  failed: number;
}

/** Closed loop: `concurrency` workers send `total` requests in all. */
async function closedLoop(arm: Arm, total: number, concurrency: number): Promise<Cell> {
  let sent = 0;
  let failed = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await arm.send().catch(() => failed++);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return finish(cpu, started, total, failed);
}

/** Open loop: one request every 1 ms (1 000/s) until `total` were started, whatever the answers' pace. */
async function fixedRate(arm: Arm, total: number): Promise<Cell> {
  let failed = 0;
  const pending: Promise<unknown>[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(arm.send().catch(() => failed++));
  }
  await Promise.all(pending);
  return finish(cpu, started, total, failed);
}

function finish(cpu: NodeJS.CpuUsage, started: number, total: number, failed: number): Cell {
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { cpuUs: (used.user + used.system) / total, perSecond: total / seconds, failed };
}

const modes = [
  { name: "c32", run: (arm: Arm) => closedLoop(arm, perCell, 32) },
  { name: "c128", run: (arm: Arm) => closedLoop(arm, perCell, 128) },
  { name: "1000/s", run: (arm: Arm) => fixedRate(arm, perCell) },
] as const;

const fleet = await armsOverTwoInstances();
/** Optional third argument: comma-separated parts of arm names to run (e.g. `bare,lb-undici`); default all. */
const only = process.argv[4]?.split(",");
const arms = only ? fleet.arms.filter((arm) => only.some((part) => arm.name.includes(part))) : fleet.arms;
console.log(`load average at start: ${load()} (2 cores, shared); ${perCell} requests per cell, ${rounds} rounds`);
// Warm-up: JIT, sockets, pools.
for (const arm of arms) await closedLoop(arm, 200, 32);

const results = new Map<string, Cell[]>();
for (let round = 0; round < rounds; round++) {
  const order = arms.map((_, i) => arms[(i + round) % arms.length] as Arm);
  for (const mode of modes) {
    for (const arm of order) {
      const cell = await mode.run(arm);
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
await fleet.close();
