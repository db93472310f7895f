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
import { describeCall } from "@outrigger/core";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { type AttemptMessage, type CallMessage, createBalancer, lbTraceChannels } from "@outrigger/loadbalancer";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { ARMS, closeArms, flushSpans, HTTP_ARMS, settleArms } from "./arms.js";
import { interleave } from "./interleave.js";

const quick = process.argv.includes("--quick");
const CHANNEL_ROUNDS = quick ? 60 : 300;
const CHANNEL_BATCH = 2_000;
/**
 * The batch yields to the microtask queue every this many calls, as a server does between requests: the batching
 * span processor exports (and lets go of) its spans then, instead of holding a whole batch's spans until its end,
 * which would make the collector copy thousands of live spans and inflate every SDK arm.
 */
const YIELD_EVERY = 32;
const HTTP_ROUNDS = quick ? 15 : 100;
const HTTP_BATCH = 200;
const GOAL_SDK_NS = 5_000;
const GOAL_METRICS_NS = 1_000;

const instance: ServiceInstance = {
  id: "svc-1",
  service: "svc",
  host: "127.0.0.1",
  port: 8080,
  secure: false,
  status: "UP",
  metadata: {},
};

/** CPU time this process used since `before` (user + system), in ns: machine load does not inflate it. */
function cpuNs(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) * 1000;
}

/** Spans exported per call, by arm and round (a check that no span was dropped: that would flatter an arm). */
const spansPerCall: Record<string, number[]> = {};

/** One call with one attempt, published as loadbalancer's channels.ts helpers do; ns of CPU per call. */
async function channelBatch(arm: string): Promise<number> {
  const { callStart, callEnd, attemptStart, attemptEnd } = lbTraceChannels;
  const spansBefore = await flushSpans();
  const before = process.cpuUsage();
  for (let i = 0; i < CHANNEL_BATCH; i++) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await undefined;
    const context = describeCall({ method: "GET", service: "svc" });
    if (!callStart.hasSubscribers) continue;
    const call: CallMessage = { service: "svc", method: "GET", path: "/x", context, rule: "round-robin" };
    callStart.publish(call);
    const attempt: AttemptMessage = {
      call,
      instance,
      url: "http://127.0.0.1:8080/x",
      startedAt: performance.now(),
      headers: {},
    };
    if (attemptStart.hasSubscribers) attemptStart.publish(attempt);
    if (attemptEnd.hasSubscribers) attemptEnd.publish({ attempt, status: 200, error: undefined });
    if (callEnd.hasSubscribers) callEnd.publish({ call, status: 200, error: undefined });
  }
  const ns = cpuNs(before) / CHANNEL_BATCH;
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
  console.log(`${loadAverageLine()} at start${quick ? " (quick run)" : ""}`);
  for (const [name, arm] of Object.entries(ARMS)) {
    const stop = arm();
    for (let i = 0; i < 10; i++) await channelBatch(name);
    stop();
  }
  for (const key of Object.keys(spansPerCall)) delete spansPerCall[key];
  const v = await interleave(ARMS, CHANNEL_ROUNDS, channelBatch, settleArms);
  const at = (arm: string, r: number) => v[arm]?.[r] ?? Number.NaN;
  /** What `arm` adds over `base` (default off) per call, paired by round. */
  const added = (arm: string, base = "off") => paired(CHANNEL_ROUNDS, (r) => at(arm, r) - at(base, r));
  console.log(
    `\nChannel path: ${CHANNEL_ROUNDS} rounds × ${CHANNEL_BATCH} calls (1 attempt each); ${loadAverageLine()}`,
  );
  console.log(`off alone: ${ns(paired(CHANNEL_ROUNDS, (r) => at("off", r)))} ns per call\n`);
  console.log("| arm | added over off, ns per call (mean [95% CI]) | spans exported per call |");
  console.log("| --- | --- | --- |");
  for (const arm of Object.keys(ARMS).slice(1)) {
    const spans = meanInterval(spansPerCall[arm] ?? []).estimate;
    console.log(`| ${arm} | ${ns(added(arm))} | ${spans.toFixed(2)} |`);
  }

  const goals: Array<[string, Interval, number]> = [
    ["metrics alone (producer) ≤ 1 µs", added("metrics: producer"), GOAL_METRICS_NS],
    ["metrics alone (OTel instruments) ≤ 1 µs", added("metrics: OTel instruments"), GOAL_METRICS_NS],
    ["metrics alone (Prometheus) ≤ 1 µs", added("metrics: Prometheus"), GOAL_METRICS_NS],
    ["traces + metrics (producer), batch, all sampled ≤ 5 µs", added("traces+producer: Outrigger, batch"), GOAL_SDK_NS],
    [
      "traces + metrics (instruments), batch, all sampled ≤ 5 µs",
      added("traces+instruments: Outrigger, batch"),
      GOAL_SDK_NS,
    ],
    ["traces + metrics (producer), 10% sampled ≤ 5 µs", added("traces+producer: Outrigger, 10% sampled"), GOAL_SDK_NS],
    ["the SDK alone (2 spans + injection), batch, all sampled ≤ 5 µs", added("traces: SDK alone, batch"), GOAL_SDK_NS],
  ];
  console.log("\n| goal | added, ns per call | verdict |\n| --- | --- | --- |");
  for (const [goal, interval, max] of goals) console.log(`| ${goal} | ${ns(interval)} | ${atMost(interval, max)} |`);

  // Outrigger's share: the Outrigger arm minus the SDK-alone arm asking the SDK for the same, paired by round.
  const alone = "traces: SDK alone, batch";
  const shares: Array<[string, Interval]> = [
    ["traces, batch: Outrigger − SDK alone", added("traces: Outrigger, batch", alone)],
    ["traces + producer, batch: Outrigger − SDK alone", added("traces+producer: Outrigger, batch", alone)],
    [
      "traces + producer, 10% sampled: Outrigger − SDK alone",
      added("traces+producer: Outrigger, 10% sampled", "traces: SDK alone, batch, 10% sampled"),
    ],
    [
      "metrics, instruments: Outrigger − SDK alone",
      added("metrics: OTel instruments", "metrics: SDK alone (1 record)"),
    ],
    ["SDK alone: simple − batch processor", added("traces: SDK alone, simple", alone)],
    ["SDK alone: attributes at start − after start", added(alone, "traces: SDK alone, batch, attrs after")],
  ];
  console.log("\n| share | ns per call |\n| --- | --- |");
  for (const [name, interval] of shares) console.log(`| ${name} | ${ns(interval)} |`);
  const ratio = paired(
    CHANNEL_ROUNDS,
    (r) => (at("traces+producer: Outrigger, batch", r) - at("off", r)) / (at(alone, r) - at("off", r)),
  );
  console.log(`\ntraces + producer over the SDK alone, ratio of added CPU per round: ${formatInterval(ratio)}`);

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
  const h = await interleave(HTTP_ARMS, HTTP_ROUNDS, httpBatch, async () => {
    await flushSpans();
    settleArms();
  });
  const hat = (arm: string, r: number) => h[arm]?.[r] ?? Number.NaN;
  console.log(
    `\nHTTP path: ${HTTP_ROUNDS} rounds × ${HTTP_BATCH} calls through the undici LB dispatcher; ${loadAverageLine()}`,
  );
  console.log(`off alone: ${ns(paired(HTTP_ROUNDS, (r) => hat("off", r)))} ns of client CPU per call`);
  for (const arm of Object.keys(HTTP_ARMS).slice(1)) {
    const d = paired(HTTP_ROUNDS, (r) => hat(arm, r) - hat("off", r));
    const q = paired(HTTP_ROUNDS, (r) => hat(arm, r) / hat("off", r));
    console.log(`  ${arm}: added ${ns(d)} ns, ratio to off ${formatInterval(q, 3)}`);
  }
  const noSdk = paired(HTTP_ROUNDS, (r) => hat("installed, no SDK", r) - hat("off", r));
  const within = noSdk.lo <= 0 && noSdk.hi >= 0;
  console.log(`  installed with no SDK vs off: ${within ? "within noise (the interval holds 0)" : "differs"}`);
  await dispatcher.close();
  balancer.close();
  server.stop();
  await closeArms();
}

await main();
