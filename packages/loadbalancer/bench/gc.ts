// `pnpm --filter @outrigger/loadbalancer bench:gc [seconds] [rounds] [arms] [rate]`: what the SDK's undici path
// leaves to the garbage collector at a fixed rate, against bare undici, over three loopback instances (a child
// process answering after ~1 ms, as the sidecar bench's upstreams do). Each arm runs in its own process (its heap
// is its own) for a 10 s warm-up and a `seconds` window (default 60) at `rate`/s (default 1 000), arms interleaved
// and rotated per round (default 3 rounds). Per window, from V8's own trace (`--trace-gc-nvp`: every GC's kind,
// pause, bytes allocated since the previous GC, bytes promoted to old space) and perf_hooks: scavenges and
// mark-compacts per 100 000 requests, bytes promoted per 100 000 requests, bytes allocated per request, old-space
// growth, the longest pause, open sockets, CPU µs per request, p99/p99.9. Counts and bytes do not depend on how
// busy the (shared) machine is; latencies do. Means over rounds with a 95% t interval; the load average printed.
// Arms: `bare`, `sdk` (createLbDispatcher with the sidecar bench's full policy, gc-arm.ts), `axios-sdk` (createLbAxios,
// the same policy), `axios` (plain axios on node:http), and `sdk-base`, `axios-sdk-base` (the same from the checkout
// in LB_BENCH_BASELINE: before/after a change in one run).
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatInterval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import { Fleet } from "./fleet.js";

const seconds = Number(process.argv[2] ?? 60);
const rounds = Number(process.argv[3] ?? 3);
const arms = process.argv[4]?.split(",") ?? ["bare", "sdk", ...(process.env.LB_BENCH_BASELINE ? ["sdk-base"] : [])];
const rate = Number(process.argv[5] ?? 1_000);

/** One GC from `--trace-gc-nvp`: ms since the isolate started, kind (s scavenge, ms mark-sweep, mc mark-compact). */
interface TracedGc {
  at: number;
  kind: string;
  pause: number;
  allocated: number;
  promoted: number;
}

const GC_LINE = /\s(\d+) ms: pause=([\d.]+) .*?\bgc=(\w+)\b.*?\ballocated=(-?\d+) promoted=(\d+)/;

interface ArmResult {
  windowMs: [number, number];
  requests: number;
  ok: number;
  failures: Record<string, number>;
  p99: number;
  p999: number;
  gc: { count: number; ms: number; maxMs: number; byKind: Record<string, number> };
  oldSpaceGrowth: number;
  peakConnected: number;
  connected: number;
  cpuUsPerRequest: number;
  opened: number;
  retries: Record<string, number>;
}

/** Runs one arm's child and returns its result with the GCs traced inside its window. */
function runArm(arm: string, ports: number[]): Promise<{ result: ArmResult; gcs: TracedGc[] }> {
  const script = fileURLToPath(new URL("./gc-arm.ts", import.meta.url));
  const args = ["--conditions=@outrigger/source", "--import", "tsx", "--trace-gc-nvp", script];
  const child = spawn(process.execPath, [...args, arm, String(rate), String(seconds), ...ports.map(String)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let text = "";
  child.stdout.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on("exit", (code) => {
      if (process.env.GC_TRACE_DIR) writeFileSync(`${process.env.GC_TRACE_DIR}/${arm}-${Date.now()}.log`, text);
      const lines = text.split("\n");
      const line = lines.find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) return reject(new Error(`arm ${arm} exited with ${code}`));
      const result = JSON.parse(line.slice(7)) as ArmResult;
      const [from, to] = result.windowMs;
      const gcs: TracedGc[] = [];
      for (const l of lines) {
        const m = GC_LINE.exec(l);
        if (!m) continue;
        const at = Number(m[1]);
        // The trace's clock starts with the isolate, performance.now()'s with the process: a few ms apart.
        if (at < from || at > to) continue;
        gcs.push({ at, kind: m[3] as string, pause: Number(m[2]), allocated: Number(m[4]), promoted: Number(m[5]) });
      }
      resolve({ result, gcs });
    });
  });
}

/** One window's figures, per 100 000 requests where it is a count or bytes. */
function figures(result: ArmResult, gcs: TracedGc[]): Record<string, number> {
  const per100k = (x: number) => (x * 100_000) / result.requests;
  const sum = (f: (g: TracedGc) => number) => gcs.reduce((a, g) => a + f(g), 0);
  return {
    "scavenges /100k": per100k(gcs.filter((g) => g.kind === "s").length),
    "mark-compacts /100k": per100k(gcs.filter((g) => g.kind !== "s").length),
    "promoted MB /100k": per100k(sum((g) => g.promoted)) / 1e6,
    "allocated KB /req": sum((g) => g.allocated) / result.requests / 1e3,
    "old-space growth MB": result.oldSpaceGrowth / 1e6,
    "GC ms /100k": per100k(sum((g) => g.pause)),
    "longest pause ms": Math.max(0, ...gcs.map((g) => g.pause)),
    "peak sockets": result.peakConnected,
    "connections opened": result.opened,
    "retries /100k": per100k(Object.values(result.retries).reduce((a, b) => a + b, 0)),
    "CPU µs /req": result.cpuUsPerRequest,
    "p99 ms": result.p99,
    "p99.9 ms": result.p999,
    failed: result.requests - result.ok,
  };
}

const fleet = new Fleet();
await fleet.ready;
const instances = [
  await fleet.start("a", { delayMs: 1, status: 200 }),
  await fleet.start("b", { delayMs: 1, status: 200 }),
  await fleet.start("c", { delayMs: 1, status: 200 }),
];
const ports = instances.map((i) => i.port);
try {
  console.log(`${loadAverageLine()} at start; ${rate}/s, ${seconds} s windows, ${rounds} rounds, arms ${arms}`);
  const byArm = new Map<string, Record<string, number>[]>(arms.map((arm) => [arm, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < arms.length; i++) {
      const arm = arms[(i + round) % arms.length] as string;
      const { result, gcs } = await runArm(arm, ports);
      const row = figures(result, gcs);
      byArm.get(arm)?.push(row);
      const brief = Object.entries(row).map(([k, v]) => `${k} ${Number(v ?? Number.NaN).toFixed(2)}`);
      console.log(
        `round ${round} ${arm}: ${brief.join(", ")}; failures ${JSON.stringify(result.failures)}, retries ${JSON.stringify(result.retries)}`,
      );
      console.log(`  (${loadAverageLine()})`);
    }
  }
  const keys = Object.keys(byArm.get(arms[0] as string)?.[0] ?? {});
  console.log(
    `\n| figure (mean over ${rounds} windows of ${seconds * rate} requests, 95% interval) | ${arms.join(" | ")} |`,
  );
  console.log(`|---|${arms.map(() => "---").join("|")}|`);
  for (const key of keys) {
    const cells = arms.map((arm) => formatInterval(meanInterval((byArm.get(arm) ?? []).map((row) => row[key] ?? 0))));
    console.log(`| ${key} | ${cells.join(" | ")} |`);
  }
  console.log(`${loadAverageLine()} at end`);
} finally {
  await fleet.stopAll();
  fleet.close();
}
