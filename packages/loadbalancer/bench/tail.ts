// `pnpm --filter @outrigger/loadbalancer bench:tail [samplesPerCell] [chunk] [arms]`: the SDK client's latency tail in
// an open loop (requests started on a fixed schedule, whatever the answers' pace: no coordinated omission) at
// 300/s and 1 000/s against two loopback instances in a child process. Arms: bare undici Pool (the floor),
// lb-undici with the full policy, createLbAxios on its default undici transport and on the http adapter. Arms are
// interleaved in chunks (every arm in every round, rotated) until each cell has `samplesPerCell` (default 10 000)
// latencies; p99 and p99.9 are given with a 95% distribution-free interval (order statistics, binomial ranks).
// GC pauses during each cell are counted from a PerformanceObserver. Prints the load average; results go to the
// README's benchmark section.
import { loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { formatInterval, quantileInterval } from "@outrigger/bench-stats";
import { openLoop } from "./open-loop.js";
import { type Arm, armsOverTwoInstances } from "./transport-arms.js";

const samples = Number(process.argv[2] ?? 10_000);
const chunk = Number(process.argv[3] ?? 1_000);
/** Optional third argument: comma-separated parts of arm names to run (e.g. `bare,full policy`). */
const only = process.argv[4]?.split(",");
const rates = [300, 1_000];
const wanted = [
  "bare undici Pool",
  "lb-undici full policy",
  "lb-axios (default: undici transport)",
  "lb-axios (http adapter)",
];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

let gcMs = 0;
let gcCount = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcCount++;
  }
}).observe({ entryTypes: ["gc"] });

/** Failed requests by arm, rate and error code (not in the latencies). */
const failures = new Map<string, number>();

/** `count` requests of `arm` at `rate`/s (open loop); latencies (ms) into `into`, failures counted by code. */
function run(arm: Arm, rate: number, count: number, into: number[]): Promise<void> {
  return openLoop(() => arm.send(), rate, count, {
    onLatency: (ms) => into.push(ms),
    onError: (error) => {
      const code = error.code ?? error.cause?.code ?? "other";
      failures.set(`${arm.name} ${rate}/s ${code}`, (failures.get(`${arm.name} ${rate}/s ${code}`) ?? 0) + 1);
    },
  });
}

const fleet = await armsOverTwoInstances();
// "(baseline)" arms exist with LB_BENCH_BASELINE (see transport-arms.ts): the same arm on the code before a change.
const arms = fleet.arms.filter((arm) =>
  only ? only.some((part) => arm.name.includes(part)) : wanted.includes(arm.name) || arm.name.endsWith("(baseline)"),
);
console.log(`load average at start: ${load()} (2 cores, shared); ${samples} samples per cell, chunks of ${chunk}`);
for (const arm of arms) await run(arm, 1_000, 500, []);

console.log("\n| rate | client | samples | p50 ms | p99 ms [95%] | p99.9 ms [95%] | GC pauses/1k req | GC ms/1k req |");
console.log("|---|---|---|---|---|---|---|---|");
for (const rate of rates) {
  const latencies = new Map<string, number[]>(arms.map((arm) => [arm.name, []]));
  const gc = new Map<string, { ms: number; count: number }>(arms.map((arm) => [arm.name, { ms: 0, count: 0 }]));
  for (let round = 0; (latencies.get(arms[0]?.name ?? "")?.length ?? 0) < samples; round++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(i + round) % arms.length] as Arm;
      const [ms0, count0] = [gcMs, gcCount];
      await run(arm, rate, chunk, latencies.get(arm.name) as number[]);
      const cell = gc.get(arm.name) as { ms: number; count: number };
      cell.ms += gcMs - ms0;
      cell.count += gcCount - count0;
    }
  }
  for (const arm of arms) {
    const xs = (latencies.get(arm.name) as number[]).sort((a, b) => a - b);
    const { ms, count } = gc.get(arm.name) as { ms: number; count: number };
    const per1k = (x: number) => ((x * 1_000) / xs.length).toFixed(1);
    console.log(
      `| ${rate}/s | ${arm.name} | ${xs.length} | ${quantileInterval(xs, 0.5).estimate.toFixed(2)} | ${formatInterval(quantileInterval(xs, 0.99))} | ${formatInterval(quantileInterval(xs, 0.999))} | ${per1k(count)} | ${per1k(ms)} |`,
    );
  }
  console.log(`(load average after ${rate}/s: ${load()})`);
}
console.log(`\nfailed requests: ${JSON.stringify(Object.fromEntries(failures))}`);
console.log(`load average at end: ${load()}`);
await fleet.close();
