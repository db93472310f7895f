// Heartbeat latency under read load (issue 15 item 3): does a crowd of readers starve writes? For each load — 10
// delta pollers over 20 000 instances, 20 dashboard streams at 10 000 instances, 5 000 Consul blocking queries —
// heartbeat (renew) latency is measured with the load running and, interleaved in the same run, without it (the
// idle baseline). Both windows see the same background churn (one registry change every 100 ms). The load runs in
// a child process, so the measuring loop is not slowed by it. Usage: pnpm --filter @outrigger/registry-server
// bench:read-load [rounds] [delta,dashboard,consul]. The last line is JSON.
import { type ChildProcess, spawn } from "node:child_process";
import { Agent, get as httpGet, request } from "node:http";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { atMost, formatInterval, quantileInterval } from "@outrigger/bench-stats";
import { memoryOf, sendJson } from "./proc.js";
import { registration } from "./registration.js";

// REGISTRY_CLI=/path/to/dist/cli.js measures another build (e.g. old main's) with this same bench.
const CLI = process.env.REGISTRY_CLI ?? fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const ROUNDS = Number(process.argv[2] ?? 2);
/** Heartbeats per window: two rounds give 1 200 samples per side, enough for a p99 (READ_LOAD_BEATS for profiling). */
const BEATS_PER_WINDOW = Number(process.env.READ_LOAD_BEATS ?? 600);
const GOAL_P99_MS = 20;

type LoadKind = "delta" | "dashboard" | "consul";
const scenarios: readonly { kind: LoadKind; instances: number; label: string }[] = [
  { kind: "delta", instances: 20_000, label: "10 delta pollers, 20 000 instances" },
  { kind: "dashboard", instances: 10_000, label: "20 dashboard streams, 10 000 instances" },
  { kind: "consul", instances: 10_000, label: "5 000 Consul blocking queries" },
];

/** Fills the registry through peer-replication batches (fast), spread over 200 applications. */
async function fill(url: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 5_000) {
    const replicationList = [];
    for (let i = start; i < Math.min(count, start + 5_000); i += 1) {
      const app = `APP-${i % 200}`;
      replicationList.push({
        action: "Register",
        appName: app,
        id: `i-${i}`,
        instanceInfo: registration(`i-${i}`, app),
      });
    }
    await sendJson(`${url}/eureka/peerreplication/batch`, "POST", { replicationList });
  }
}

/** The load, in its own process until killed. */
async function runLoad(kind: LoadKind, url: string): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const getBody = (path: string, headers: Record<string, string> = {}): Promise<{ index: string }> =>
    new Promise((resolve) => {
      const req = httpGet(`${url}${path}`, { agent, headers }, (res) => {
        res.resume();
        res.once("end", () => resolve({ index: String(res.headers["x-consul-index"] ?? "0") }));
      });
      req.once("error", () => resolve({ index: "0" }));
    });
  if (kind === "delta") {
    for (let i = 0; i < 10; i += 1) {
      void (async () => {
        for (;;) await getBody("/eureka/apps/delta", { "accept-encoding": "gzip" });
      })();
    }
  } else if (kind === "dashboard") {
    for (let i = 0; i < 20; i += 1) httpGet(`${url}/outrigger/events`, (res) => res.resume());
  } else {
    // Each held query's answer, as [sent, answered] wall-clock ms, for the answer latency after a change; the
    // parent asks for them (a line "report" on stdin) before it ends this process.
    const answers: number[] = [];
    createInterface({ input: process.stdin }).on("line", () => {
      process.stdout.write(`${JSON.stringify(answers)}\n`);
    });
    // Opened 250 at a time, so the listen backlog is not what is measured.
    const first = (await getBody("/v1/health/service/watched")).index;
    for (let i = 0; i < 5_000; i += 1) {
      void (async () => {
        let index = first;
        for (;;) {
          const sent = wallNow();
          const next = (await getBody(`/v1/health/service/watched?index=${index}&wait=60s`)).index;
          if (next !== index) answers.push(sent, wallNow());
          index = next;
        }
      })();
      if (i % 250 === 249) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  process.stdout.write("ready\n");
}

/** Wall-clock ms with sub-ms resolution, comparable across this bench's processes. */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A running load process, and its lines after "ready" (the consul load's answer report). */
interface Load {
  readonly child: ChildProcess;
  readonly lines: AsyncIterator<string>;
}

async function startLoad(kind: LoadKind, url: string): Promise<Load> {
  const child = spawn(process.execPath, ["--import", "tsx", SELF, "--load", kind, url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  for (let line = await lines.next(); !line.done; line = await lines.next()) {
    if (line.value === "ready") return { child, lines };
  }
  throw new Error("load process ended before it was ready");
}

/** The consul load's held answers, as [sent, answered] pairs. */
async function answersOf(load: Load): Promise<number[]> {
  load.child.stdin?.write("report\n");
  const line = await load.lines.next();
  return line.done ? [] : (JSON.parse(line.value) as number[]);
}

/**
 * How long after a change of the watched service each held query was answered: for an answer whose query was
 * sent before a change and answered after it, answered − that change (the last one before the answer).
 */
function latenciesAfterChange(pairs: readonly number[], changes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const sent = pairs[i] as number;
    const answered = pairs[i + 1] as number;
    let last: number | undefined;
    for (const at of changes) if (at > sent && at <= answered) last = at;
    if (last !== undefined) out.push(answered - last);
  }
  return out;
}

/** Heartbeats that failed, counted as 5 s so they land in the tail rather than vanish. */
let beatFailures = 0;
/** Churn requests that failed (counted, not fatal: the figure of interest is the heartbeat's). */
let churnFailures = 0;
const FAILED_BEAT_MS = 5_000;

/** One heartbeat's latency in ms, on a kept-alive connection of its own. */
function beat(url: string, agent: Agent): Promise<number> {
  const started = performance.now();
  const failed = (): number => {
    beatFailures += 1;
    return FAILED_BEAT_MS;
  };
  return new Promise((resolve) => {
    const req = request(`${url}/eureka/apps/HB/hb-1`, { method: "PUT", agent, timeout: FAILED_BEAT_MS }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode === 200 ? performance.now() - started : failed()));
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(failed()));
    req.end();
  });
}

async function window(url: string, agent: Agent, out: number[]): Promise<void> {
  for (let i = 0; i < BEATS_PER_WINDOW; i += 1) {
    out.push(await beat(url, agent));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main(): Promise<void> {
  const results = [];
  const only = process.argv[3]?.split(",");
  for (const scenario of scenarios.filter((s) => !only || only.includes(s.kind))) {
    beatFailures = 0;
    churnFailures = 0;
    const registry = spawn(
      process.execPath,
      [
        // e.g. REGISTRY_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the registry under the load.
        ...(process.env.REGISTRY_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
        CLI,
        "--port",
        "0",
        "--body-limit",
        "67108864",
        "--max-connections",
        "0",
        "--max-connections-per-ip",
        "0",
        "--max-dashboard-streams-per-ip",
        "64",
        // 5 000 blocking queries come from one address here; the per-client cap (200, Consul's) would refuse most.
        "--max-long-polls",
        "0",
        "--max-long-polls-per-client",
        "0",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let url = "";
    for await (const line of createInterface({ input: registry.stdout as NodeJS.ReadableStream })) {
      url = (JSON.parse(line) as { url: string }).url;
      break;
    }
    await fill(url, scenario.instances);
    await sendJson(`${url}/eureka/apps/HB`, "POST", { instance: registration("hb-1", "HB") });
    for (let i = 0; i < 20; i += 1)
      await sendJson(`${url}/eureka/apps/WATCHED`, "POST", { instance: registration(`w-${i}`, "WATCHED") });
    // Background churn in both windows: a change every 100 ms, and the watched service every 2 s.
    let tick = 0;
    const watchedChanges: number[] = [];
    const churn = setInterval(() => {
      tick += 1;
      const lost = (): void => {
        churnFailures += 1;
      };
      sendJson(
        `${url}/eureka/apps/CHURN${tick % 2 === 0 ? "/c-1" : ""}`,
        tick % 2 === 0 ? "DELETE" : "POST",
        tick % 2 === 0 ? undefined : { instance: registration("c-1", "CHURN") },
      ).catch(lost);
      if (tick % 20 === 0) watchedChanges.push(wallNow());
      if (tick % 20 === 0)
        sendJson(`${url}/eureka/apps/WATCHED`, "POST", {
          instance: registration("w-0", "WATCHED", { tick: String(tick) }),
        }).catch(lost);
    }, 100);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const idle: number[] = [];
    const loaded: number[] = [];
    const load: number[] = [];
    const answerMs: number[] = [];
    const idleRss: number[] = [];
    const loadedRss: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      process.stderr.write(`${scenario.kind} round ${round + 1}: idle window\n`);
      await window(url, agent, idle);
      idleRss.push(memoryOf(registry.pid).rssMb);
      const running = await startLoad(scenario.kind, url);
      process.stderr.write(`${scenario.kind} round ${round + 1}: loaded window\n`);
      await window(url, agent, loaded);
      load.push(...loadavg().slice(0, 1));
      loadedRss.push(memoryOf(registry.pid).rssMb);
      if (scenario.kind === "consul") {
        for (const ms of latenciesAfterChange(await answersOf(running), watchedChanges)) answerMs.push(ms);
      }
      running.child.kill("SIGKILL");
    }
    const peakRssMb = memoryOf(registry.pid).peakMb;
    clearInterval(churn);
    agent.destroy();
    registry.kill("SIGTERM");
    const base = quantileInterval(idle, 0.99);
    const under = quantileInterval(loaded, 0.99);
    const verdict = atMost(under, GOAL_P99_MS);
    const row = {
      load: scenario.label,
      samples: loaded.length,
      idleP50: quantileInterval(idle, 0.5).estimate,
      idleP99: base,
      loadedP50: quantileInterval(loaded, 0.5).estimate,
      loadedP99: under,
      ratioP99: under.estimate / base.estimate,
      goal: `p99 <= ${GOAL_P99_MS} ms: ${verdict}`,
      failedHeartbeats: beatFailures,
      failedChurn: churnFailures,
      loadAverage: load,
      registryRssMb: { idle: Math.max(...idleRss), loaded: Math.max(...loadedRss), peak: peakRssMb },
      ...(answerMs.length > 0
        ? {
            answerAfterChangeMs: {
              answers: answerMs.length,
              p50: quantileInterval(answerMs, 0.5).estimate,
              p99: quantileInterval(answerMs, 0.99).estimate,
              max: answerMs.reduce((a, b) => Math.max(a, b), 0),
            },
          }
        : {}),
    };
    results.push(row);
    const rss = row.registryRssMb;
    const answered = row.answerAfterChangeMs;
    console.log(
      `${row.load}: registry RSS ${rss.idle.toFixed(0)} MB idle -> ${rss.loaded.toFixed(0)} MB loaded (peak ${rss.peak.toFixed(0)} MB)${answered ? `; held answer after a change p50 ${answered.p50.toFixed(1)} ms, p99 ${answered.p99.toFixed(1)} ms, max ${answered.max.toFixed(1)} ms (${answered.answers} answers)` : ""}`,
    );
    console.log(
      `${row.load}: heartbeat p50 ${row.idleP50.toFixed(2)} -> ${row.loadedP50.toFixed(2)} ms, p99 ${formatInterval(base)} -> ${formatInterval(under)} ms (${row.samples} samples each; ${row.goal}; load avg ${load.map((l) => l.toFixed(2)).join(", ")})`,
    );
  }
  console.log(JSON.stringify({ uptimeLoadAverageAtEnd: loadavg(), results }));
}

if (process.argv[2] === "--load") {
  void runLoad(process.argv[3] as LoadKind, process.argv[4] as string);
} else {
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
  void main().then(() => process.exit(0));
}
