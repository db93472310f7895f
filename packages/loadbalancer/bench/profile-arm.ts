// `node --cpu-prof --import tsx bench/profile-arm.ts [arm] [requests] [concurrency | rate/s] [alone]`: one transport
// arm alone (default: "lb-undici full policy", 50 000 requests), for a CPU profile (`--cpu-prof`) or a GC trace
// (`--trace-gc`) of its path without the other arms' samples. The third argument is the concurrency of a closed
// loop (default 32), or a rate such as `1000/s` for an open loop (a request started every 1000/rate ms, whatever
// the answers' pace: the tail bench's schedule). Prints its CPU µs per request and GC pauses next to bare undici's,
// run after it in the same process (`alone` as 4th argument: the chosen arm only). Summarise a profile with
// `tsx bench/profile-top.ts FILE.cpuprofile`.
import { loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { type Arm, armsOverTwoInstances, closedLoopOf } from "./transport-arms.js";

const wanted = process.argv[2] ?? "lb-undici full policy";
const total = Number(process.argv[3] ?? 50_000);
const shape = process.argv[4] ?? "32";
const rate = shape.endsWith("/s") ? Number(shape.slice(0, -2)) : undefined;
const concurrency = rate === undefined ? Number(shape) : 0;

let gcPauses = 0;
let failed = 0;
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcPauses++;
    gcMs += entry.duration;
  }
}).observe({ entryTypes: ["gc"] });

const closedLoop = (arm: Arm, count: number): Promise<void> => closedLoopOf(arm, count, concurrency);

async function openLoop(arm: Arm, count: number, perSecond: number): Promise<void> {
  const gap = 1_000 / perSecond;
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = started + i * gap - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // A refusal (e.g. the full policy's bulkhead when the loop stalls) is counted, not thrown.
    pending.push(arm.send().catch(() => failed++));
  }
  await Promise.all(pending);
}

/** Runs `count` requests of `arm` in the chosen loop; CPU µs per request and GC pauses per 1 000 requests. */
async function run(arm: Arm, count: number): Promise<string> {
  const [pauses0, ms0] = [gcPauses, gcMs];
  const cpu = process.cpuUsage();
  if (rate === undefined) await closedLoop(arm, count);
  else await openLoop(arm, count, rate);
  const used = process.cpuUsage(cpu);
  const perK = (x: number) => ((x * 1_000) / count).toFixed(2);
  const us = ((used.user + used.system) / count).toFixed(1);
  const refused = failed;
  failed = 0;
  const gc = `GC ${perK(gcPauses - pauses0)} pauses and ${perK(gcMs - ms0)} ms per 1 000 requests`;
  return `${us} µs/request, ${gc}${refused > 0 ? `, ${refused} failed` : ""}`;
}

const fleet = await armsOverTwoInstances();
const arm = fleet.arms.find((a) => a.name === wanted);
const bare = fleet.arms.find((a) => a.name === "bare undici Pool");
if (!arm || !bare) throw new Error(`no arm "${wanted}": ${fleet.arms.map((a) => a.name).join(", ")}`);
const loop = rate === undefined ? `closed loop, concurrency ${concurrency}` : `open loop, ${rate}/s`;
console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}; ${total} requests, ${loop}`,
);
await run(arm, 2_000);
await run(bare, 2_000);
console.log(`${wanted}: ${await run(arm, total)}`);
if (process.argv[5] !== "alone") console.log(`bare undici Pool: ${await run(bare, total)}`);
await fleet.close();
