// Telemetry's cost on the request path, two ways, each interleaving its arms (./arms.ts) in one run:
// 1. channel path: one call with one attempt published exactly as the undici dispatcher publishes it (no I/O), so
//    the subscribers' CPU per call is measured without network noise: the µs goals are judged here;
// 2. HTTP path: calls through the undici LB dispatcher to a loopback server in a child process, client CPU
//    (process.cpuUsage) per call: "installed with no SDK" must be within noise of "off".
// Every figure is a per-round paired difference (or ratio) against an arm of the same round, as a mean with its
// 95% t interval (@outrigger/bench-stats meanInterval); a goal is met or missed only when the interval excludes it.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { atMost, formatInterval, type Interval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import {
  ARMS,
  type Arm,
  closeArms,
  flushSpans,
  HTTP_ARMS,
  MATCHED,
  MATCHED_COPY,
  MATCHED_RATIO,
  settleArms,
} from "./arms.js";
import { instance, publishCalls } from "./channel-calls.js";
import { interleave } from "./interleave.js";
import { mainThreadNs } from "./thread-cpu.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
/** `--name=value` from the command line. */
const option = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/**
 * The full run (no flag) is sized to finish within 15 minutes on a quiet 2-core machine (see the README's "Cost");
 * `--quick` is for iterating on a shared one. `--rounds=N` overrides the channel path's rounds, `--only=a,b` keeps
 * the arms whose names contain one of the words (and `off`), `--no-http` leaves the HTTP path out.
 */
const CHANNEL_ROUNDS = Number(option("rounds") ?? (quick ? 60 : 400));
/**
 * Time budgets of the two paths, in ms: the rounds stop at the count above or when the budget is spent, whichever
 * comes first (the rounds done are printed), so the full run ends within 15 minutes on any machine: 11 minutes of
 * channel rounds, 2 of HTTP rounds, and under a minute of warm-up.
 */
const CHANNEL_BUDGET_MS = quick ? Number.POSITIVE_INFINITY : 11 * 60_000;
const HTTP_BUDGET_MS = quick ? Number.POSITIVE_INFINITY : 2 * 60_000;
/** True once `budget` ms have passed since `since` (performance.now()). */
const spent = (since: number, budget: number) => () => performance.now() - since > budget;
const CHANNEL_BATCH = 2_000;
const HTTP_ROUNDS = quick ? 15 : 100;
const HTTP_BATCH = 200;
const GOAL_SDK_NS = 5_000;
const GOAL_METRICS_NS = 1_000;
const only = option("only")?.split(",");
const chosen = (arms: Record<string, Arm>): Record<string, Arm> =>
  Object.fromEntries(
    Object.entries(arms).filter(([name]) => name === "off" || !only || only.some((w) => name.includes(w))),
  );

/** CPU time this process used since `before` (user + system), in ns: machine load does not inflate it. */
function cpuNs(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) * 1000;
}

/** Spans exported per call, by arm and round (a check that no span was dropped: that would flatter an arm). */
const spansPerCall: Record<string, number[]> = {};
/** The main thread's CPU per call, by arm and round (`thread-cpu.ts`), beside the process's. */
const mainPerCall: Record<string, number[]> = {};

/** `CHANNEL_BATCH` calls of one attempt each (./channel-calls.ts); ns of CPU per call. */
async function channelBatch(arm: string): Promise<number> {
  const spansBefore = await flushSpans();
  const before = process.cpuUsage();
  const mainBefore = mainThreadNs();
  await publishCalls(CHANNEL_BATCH);
  const ns = cpuNs(before) / CHANNEL_BATCH;
  mainPerCall[arm] = [...(mainPerCall[arm] ?? []), (mainThreadNs() - mainBefore) / CHANNEL_BATCH];
  const spans = ((await flushSpans()) - spansBefore) / CHANNEL_BATCH;
  spansPerCall[arm] = [...(spansPerCall[arm] ?? []), spans];
  return ns;
}

/** A loopback HTTP server in a child process (its CPU is not the client's); resolves with its port and a stop. */
async function serverProcess(): Promise<{ port: number; stop: () => void }> {
  const code =
    'const s=require("node:http").createServer((q,r)=>r.end("ok"));' +
    's.listen(0,"127.0.0.1",()=>console.log(s.address().port));';
  const child = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve),
  );
  return { port: Number(line), stop: () => child.kill("SIGTERM") };
}

/** Per-round `f(round)` over `rounds` rounds, as a mean and 95% t interval. */
const paired = (rounds: number, f: (r: number) => number): Interval =>
  meanInterval(Array.from({ length: rounds }, (_, r) => f(r)));
const ns = (i: Interval) => formatInterval(i, 0);

async function main(): Promise<void> {
  const started = performance.now();
  const arms = chosen(ARMS);
  const has = (...names: string[]) => names.every((n) => n in arms);
  console.log(`${loadAverageLine()} at start${quick ? " (quick run)" : ""}`);
  for (const [name, arm] of Object.entries(arms)) {
    const stop = arm();
    for (let i = 0; i < 10; i++) await channelBatch(name);
    stop();
  }
  for (const key of Object.keys(spansPerCall)) delete spansPerCall[key];
  for (const key of Object.keys(mainPerCall)) delete mainPerCall[key];
  const v = await interleave(
    arms,
    CHANNEL_ROUNDS,
    channelBatch,
    settleArms,
    spent(performance.now(), CHANNEL_BUDGET_MS),
  );
  const R = v.off?.length ?? 0;
  const at = (arm: string, r: number) => v[arm]?.[r] ?? Number.NaN;
  const atMain = (arm: string, r: number) => mainPerCall[arm]?.[r] ?? Number.NaN;
  /** What `arm` adds over `base` (default off) per call, paired by round: process CPU, then main thread's. */
  const added = (arm: string, base = "off") => paired(R, (r) => at(arm, r) - at(base, r));
  const addedMain = (arm: string, base = "off") => paired(R, (r) => atMain(arm, r) - atMain(base, r));
  console.log(`\nChannel path: ${R} rounds × ${CHANNEL_BATCH} calls (1 attempt each); ${loadAverageLine()}`);
  console.log(`off alone: ${ns(paired(R, (r) => at("off", r)))} ns per call (process CPU)\n`);
  console.log("| arm | added over off, process CPU, ns per call | main thread only | spans exported per call |");
  console.log("| --- | --- | --- | --- |");
  for (const arm of Object.keys(arms).slice(1)) {
    const spans = meanInterval(spansPerCall[arm] ?? []).estimate;
    console.log(`| ${arm} | ${ns(added(arm))} | ${ns(addedMain(arm))} | ${spans.toFixed(2)} |`);
  }

  // The three verdicts, each on process CPU (every thread's work counts), with the main thread's figure beside it.
  const verdict = (goal: string, i: Interval, main: Interval, max: number) =>
    console.log(`| ${goal} | ${ns(i)} | ${ns(main)} | ${atMost(i, max)} |`);
  console.log("\n| goal | ns per call (process CPU) | main thread only | verdict |\n| --- | --- | --- | --- |");
  const traced = "traces+producer: Outrigger, batch";
  if (has(traced, MATCHED)) {
    verdict(
      "as the issue writes it: traces + metrics (SDK + Outrigger) ≤ 5 µs",
      added(traced),
      addedMain(traced),
      GOAL_SDK_NS,
    );
    verdict("— beside it, the SDK alone (its floor) ≤ 5 µs", added(MATCHED), addedMain(MATCHED), GOAL_SDK_NS);
    verdict(
      "Outrigger's share of traces + metrics ≤ 5 µs",
      added(traced, MATCHED),
      addedMain(traced, MATCHED),
      GOAL_SDK_NS,
    );
  }
  if (has("metrics: producer")) {
    const m = "metrics: producer";
    verdict("metrics alone (`createMetricProducer`) ≤ 1 µs per attempt", added(m), addedMain(m), GOAL_METRICS_NS);
  }
  for (const m of ["metrics: Prometheus", "metrics: OTel instruments"])
    if (has(m)) verdict(`${m} ≤ 1 µs per attempt`, added(m), addedMain(m), GOAL_METRICS_NS);

  // Differences between arms of one round: Outrigger's share, the A/A check, the SDK's configurations.
  const shares: Array<[string, string, string]> = [
    ["traces, batch: Outrigger − SDK alone as Outrigger's tracer", "traces: Outrigger, batch", MATCHED],
    ["traces + producer, batch: Outrigger − SDK alone as Outrigger's tracer", traced, MATCHED],
    [
      "traces + producer, 10% sampled: Outrigger − SDK alone (10%)",
      "traces+producer: Outrigger, 10% sampled",
      MATCHED_RATIO,
    ],
    ["A/A: SDK alone as Outrigger's tracer, copy − itself (≈ 0)", MATCHED_COPY, MATCHED],
    ["SDK alone: as Outrigger's tracer − all at call end", MATCHED, "traces: SDK alone at call end, batch"],
    ["metrics, instruments: Outrigger − SDK alone", "metrics: OTel instruments", "metrics: SDK alone (1 record)"],
    [
      "SDK alone: simple − batch processor",
      "traces: SDK alone at call end, simple",
      "traces: SDK alone at call end, batch",
    ],
    [
      "SDK alone: attributes at start − after start",
      "traces: SDK alone at call end, batch",
      "traces: SDK alone at call end, batch, attrs after",
    ],
  ];
  console.log("\n| difference, paired by round | process CPU, ns per call | main thread only |\n| --- | --- | --- |");
  for (const [name, a, b] of shares)
    if (has(a, b)) console.log(`| ${name} | ${ns(added(a, b))} | ${ns(addedMain(a, b))} |`);
  if (has(traced, MATCHED)) {
    const ratio = paired(R, (r) => (at(traced, r) - at("off", r)) / (at(MATCHED, r) - at("off", r)));
    console.log(`\ntraces + producer over the SDK alone, ratio of added CPU per round: ${formatInterval(ratio)}`);
  }
  console.log(`channel path took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (args.includes("--no-http")) return await closeArms();

  const server = await serverProcess();
  const balancer = createBalancer({
    instancer: new FixedInstancer([{ ...instance, port: server.port }]),
    outlierDetection: false,
  });
  const dispatcher = createLbDispatcher({ balancer: () => balancer });
  const httpBatch = async (): Promise<number> => {
    const before = process.cpuUsage();
    for (let i = 0; i < HTTP_BATCH; i++) await (await request("http://svc/x", { dispatcher })).body.dump();
    return cpuNs(before) / HTTP_BATCH;
  };
  for (let i = 0; i < 5; i++) await httpBatch();
  const h = await interleave(
    HTTP_ARMS,
    HTTP_ROUNDS,
    httpBatch,
    async () => {
      await flushSpans();
      settleArms();
    },
    spent(performance.now(), HTTP_BUDGET_MS),
  );
  const HR = h.off?.length ?? 0;
  const hat = (arm: string, r: number) => h[arm]?.[r] ?? Number.NaN;
  console.log(`\nHTTP path: ${HR} rounds × ${HTTP_BATCH} calls through the undici LB dispatcher; ${loadAverageLine()}`);
  console.log(`off alone: ${ns(paired(HR, (r) => hat("off", r)))} ns of client CPU per call`);
  for (const arm of Object.keys(HTTP_ARMS).slice(1)) {
    const d = paired(HR, (r) => hat(arm, r) - hat("off", r));
    const q = paired(HR, (r) => hat(arm, r) / hat("off", r));
    console.log(`  ${arm}: added ${ns(d)} ns, ratio to off ${formatInterval(q, 3)}`);
  }
  const noSdk = paired(HR, (r) => hat("installed, no SDK", r) - hat("off", r));
  const within = noSdk.lo <= 0 && noSdk.hi >= 0;
  console.log(`  installed with no SDK vs off: ${within ? "within noise (the interval holds 0)" : "differs"}`);
  await dispatcher.close();
  balancer.close();
  server.stop();
  await closeArms();
  console.log(`whole run took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

await main();
