// Swap → subscriber-notified latency for kubelet-style `..data` swaps, watching and polling only, against the
// baseline measured in the same run: swap → first raw fs.watch callback on the directory (the floor any
// watcher-based reload sits on). The three arms are interleaved in blocks of 25 swaps so background load hits
// them alike. Usage: pnpm --filter @outrigger/config bench [swapsPerArm=600]. The last line is JSON.
import { mkdtempSync, rmSync, watch } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { atMost, formatInterval, type Interval, loadAverageLine, quantileInterval } from "@outrigger/bench-stats";
import { createLiveConfig, writeAtomically } from "../src/index.js";

/** 600 per arm: enough for a p99 with a finite upper bound (`samplesToBound(0.99)` is 473). */
const SWAPS = Number(process.argv[2] ?? 600);
const BLOCK = 25;
const DEBOUNCE_MS = 100; // the default
const POLL_MS = 500; // polling-only arm: the interval the goal is measured against

interface Arm {
  readonly name: string;
  /** Swaps the directory to value `n` and resolves with ms until this arm noticed. */
  swapOnce(n: number): Promise<number>;
  close(): void;
}

function swap(dir: string, n: number): void {
  writeAtomically(dir, { "default.json": JSON.stringify({ retry: { maxAttempts: n } }) });
}

function rawWatchArm(): Arm {
  const dir = mkdtempSync(join(tmpdir(), "bench-raw-"));
  swap(dir, 0);
  let resolveEvent: () => void = () => {};
  const watcher = watch(dir, () => resolveEvent());
  return {
    name: "raw fs.watch (baseline)",
    async swapOnce(n) {
      const seen = new Promise<void>((resolve) => (resolveEvent = resolve));
      const start = performance.now();
      swap(dir, n);
      await seen;
      const took = performance.now() - start;
      // Let the rest of this swap's events drain so they are not taken for the next one's.
      await new Promise((r) => setTimeout(r, 20));
      return took;
    },
    close() {
      watcher.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function liveArm(watching: boolean): Arm {
  const dir = mkdtempSync(join(tmpdir(), "bench-live-"));
  swap(dir, 0);
  const live = createLiveConfig({
    dir,
    watch: watching,
    debounceMs: DEBOUNCE_MS,
    pollIntervalMs: watching ? 5_000 : POLL_MS,
    logger: { warn: (m) => console.error(m) },
  });
  let notified: (value: number) => void = () => {};
  live.subscribe<number>("retry.maxAttempts", (value) => notified(value ?? -1));
  return {
    name: watching ? `watching (debounce ${DEBOUNCE_MS} ms)` : `polling (interval ${POLL_MS} ms)`,
    async swapOnce(n) {
      const seen = new Promise<number>((resolve) => (notified = resolve));
      const start = performance.now();
      swap(dir, n);
      const value = await seen;
      if (value !== n) throw new Error(`swap ${n} notified ${value}`);
      return performance.now() - start;
    },
    close() {
      live.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

console.log(loadAverageLine());
// LiveConfig's watcher and timers never hold a process open (by design); this run needs to stay up.
const keepAlive = setInterval(() => {}, 1_000);
const arms = [rawWatchArm(), liveArm(true), liveArm(false)];
const samples = arms.map(() => [] as number[]);
const next = arms.map(() => 1);
for (let done = 0; done < SWAPS; done += BLOCK) {
  for (const [i, arm] of arms.entries()) {
    for (let k = 0; k < Math.min(BLOCK, SWAPS - done); k++) {
      samples[i]?.push(await arm.swapOnce(next[i] ?? 0));
      next[i] = (next[i] ?? 0) + 1;
    }
  }
}
for (const arm of arms) arm.close();
clearInterval(keepAlive);

const [raw, watching, polling] = samples.map((s) => ({
  p50: quantileInterval(s, 0.5),
  p99: quantileInterval(s, 0.99),
}));
const goals: [string, Interval, number][] = [
  ["watching p99 <= 200 ms", watching?.p99 as Interval, 200],
  [`polling p99 <= ${POLL_MS + 200} ms`, polling?.p99 as Interval, POLL_MS + 200],
];
for (const [i, arm] of arms.entries()) {
  const s = [raw, watching, polling][i];
  if (s) console.log(`${arm.name}: p50 ${formatInterval(s.p50)} ms, p99 ${formatInterval(s.p99)} ms (${SWAPS} swaps)`);
}
const verdicts = Object.fromEntries(goals.map(([name, interval, max]) => [name, atMost(interval, max)]));
for (const [name, verdict] of Object.entries(verdicts)) console.log(`goal ${name}: ${verdict}`);
console.log(loadAverageLine());
console.log(
  JSON.stringify({
    swapsPerArm: SWAPS,
    debounceMs: DEBOUNCE_MS,
    pollIntervalMs: POLL_MS,
    raw,
    watching,
    polling,
    verdicts,
  }),
);
