// `node --conditions=@outrigger/source --expose-gc --min-semi-space-size=64 --max-semi-space-size=64
// --import tsx bench/request-cost.ts
// [requests] [arms]`: what one request of each transport arm allocates on the client, counted rather than timed, so
// a change shows on a shared, noisy machine: promises made (async_hooks `PROMISE` inits), AbortControllers made, and
// heap bytes allocated (the heap's growth over a window in which no GC ran: a large young generation, a forced GC
// before, and the window retried when a GC landed in it anyway). Arms as in `bench:transport` (default: bare undici,
// lb-undici, lb-undici full policy; with `LB_BENCH_BASELINE`, the same arms from that checkout too). Requests are
// sent 32 at a time; counts are per request, averaged over `requests` (default 2 000).
import { createHook } from "node:async_hooks";
import { loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { type Arm, armsOverTwoInstances, closedLoopOf } from "./transport-arms.js";

const total = Number(process.argv[2] ?? 2_000);
const wanted = process.argv[3]?.split(",") ?? ["bare", "lb-undici", "full policy"];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc (see the comment at the top)");

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ["gc"] });

let promises = 0;
const promiseHook = createHook({
  init: (_id, type) => {
    if (type === "PROMISE") promises++;
  },
});

let controllers = 0;
const Original = globalThis.AbortController;
class Counting extends Original {
  constructor() {
    super();
    controllers++;
  }
}

const closedLoop = (arm: Arm, count: number): Promise<void> => closedLoopOf(arm, count, 32);

/** Heap bytes allocated per request, from a window with no GC in it (up to 5 tries). */
async function bytesPerRequest(arm: Arm, count: number): Promise<number | undefined> {
  for (let i = 0; i < 5; i++) {
    gc?.();
    // GC entries reach the observer later: let the forced one arrive before the window opens, and any in the
    // window arrive before it is judged.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const before = gcs;
    const used = process.memoryUsage().heapUsed;
    await closedLoop(arm, count);
    const grown = process.memoryUsage().heapUsed - used;
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (gcs === before) return grown / count;
  }
  return undefined;
}

/** The closed loop's own promises (two per request for the worker's `await` and `send`'s async body). */
async function counted(arm: Arm, count: number): Promise<{ promises: number; controllers: number }> {
  promises = 0;
  controllers = 0;
  globalThis.AbortController = Counting;
  promiseHook.enable();
  await closedLoop(arm, count);
  promiseHook.disable();
  globalThis.AbortController = Original;
  return { promises: promises / count, controllers: controllers / count };
}

const fleet = await armsOverTwoInstances();
const arms = fleet.arms.filter((arm) => wanted.some((part) => arm.name.includes(part)));
const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
console.log(`load average ${load}; ${total} requests per arm, 32 at a time`);
console.log("\n| arm | promises / request | AbortControllers / request | heap bytes / request |\n|---|---|---|---|");
for (const arm of arms) {
  await closedLoop(arm, 2_000);
  const counts = await counted(arm, total);
  const bytes = await bytesPerRequest(arm, Math.min(total, 500));
  const kb = bytes === undefined ? "a GC in every window" : bytes.toFixed(0);
  console.log(`| ${arm.name} | ${counts.promises.toFixed(2)} | ${counts.controllers.toFixed(2)} | ${kb} |`);
}
await fleet.close();
