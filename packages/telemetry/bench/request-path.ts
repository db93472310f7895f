// Telemetry's cost on the request path, two ways, each interleaving the arms of ./arms.ts in one run:
// 1. channel path: one call with one attempt published exactly as the undici dispatcher publishes it (no I/O), so
//    the subscribers' CPU per call is measured without network noise: the µs goals are judged here;
// 2. HTTP path: calls through the undici LB dispatcher to a loopback server in a child process, client CPU
//    (process.cpuUsage) per call: "installed with no SDK" must be within noise of "off".
// Prints the load average, medians and 95% intervals of the per-round difference from "off".
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { describeCall } from "@outrigger/core";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { type AttemptMessage, type CallMessage, createBalancer, lbTraceChannels } from "@outrigger/loadbalancer";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { request } from "undici";
import { ARMS, closeArms, settleArms } from "./arms.js";
import { interleave, medianCi, verdict } from "./stats.js";

const quick = process.argv.includes("--quick");
const CHANNEL_ROUNDS = quick ? 100 : 400;
const CHANNEL_BATCH = 2_000;
const HTTP_ROUNDS = quick ? 20 : 200;
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

/** One call with one attempt, published as loadbalancer's channels.ts helpers do; ns per call. */
function channelBatch(): number {
  const { callStart, callEnd, attemptStart, attemptEnd } = lbTraceChannels;
  const before = process.cpuUsage();
  for (let i = 0; i < CHANNEL_BATCH; i++) {
    const context = describeCall({ method: "GET" });
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
  return cpuNs(before) / CHANNEL_BATCH;
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

/** Median and 95% interval of the per-round difference between two arms (each already paired with "off"). */
function pairedShare(arm: readonly number[] = [], floor: readonly number[] = []) {
  return medianCi(arm.map((value, round) => value - (floor[round] ?? Number.NaN)));
}

function show(title: string, results: Record<string, { values: number[]; diffs: number[] }>, unit: string): void {
  console.log(
    `\n${title}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  for (const [name, { values, diffs }] of Object.entries(results)) {
    const v = medianCi(values);
    const d = medianCi(diffs);
    const extra =
      name === "off"
        ? ""
        : `, added ${d.median.toFixed(0)} ${unit} (95% CI ${d.low.toFixed(0)} to ${d.high.toFixed(0)})`;
    console.log(`  ${name.padEnd(26)} median ${v.median.toFixed(0)} ${unit}${extra}`);
  }
}

async function main(): Promise<void> {
  console.log(
    `load average at start ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}${quick ? " (quick run)" : ""}`,
  );
  for (const arm of Object.values(ARMS)) {
    const stop = arm();
    for (let i = 0; i < 20; i++) channelBatch();
    stop();
  }
  const channel = await interleave(ARMS, CHANNEL_ROUNDS, channelBatch, settleArms);
  show(`Channel path: ${CHANNEL_ROUNDS} rounds × ${CHANNEL_BATCH} calls (1 attempt each), ns per call`, channel, "ns");
  const sdk = medianCi(channel["SDK traces+metrics"]?.diffs ?? []);
  const otelMetrics = medianCi(channel["OTel metrics only"]?.diffs ?? []);
  const prom = medianCi(channel["prometheus only"]?.diffs ?? []);
  console.log(`  goal: SDK traces+metrics ≤ ${GOAL_SDK_NS} ns per call added: ${verdict(sdk, GOAL_SDK_NS)}`);
  const floor = medianCi(channel["SDK floor, no Outrigger"]?.diffs ?? []);
  console.log(
    `  of which the SDK's own floor (2 spans, 1 injection, 1 histogram record): ${floor.median.toFixed(0)} ns; ` +
      `Outrigger's share ≈ ${(sdk.median - floor.median).toFixed(0)} ns`,
  );
  console.log(
    `  goal: OTel metrics alone ≤ ${GOAL_METRICS_NS} ns per attempt: ${verdict(otelMetrics, GOAL_METRICS_NS)}`,
  );
  const producer = medianCi(channel["OTel metrics via producer"]?.diffs ?? []);
  console.log(
    `  goal: OTel metrics alone ≤ ${GOAL_METRICS_NS} ns per attempt, via createMetricProducer: ` +
      `${producer.median.toFixed(0)} ns (${producer.low.toFixed(0)} to ${producer.high.toFixed(0)}) ${verdict(producer, GOAL_METRICS_NS)}`,
  );
  const metricsFloor = medianCi(channel["OTel metrics floor"]?.diffs ?? []);
  const metricsShare = pairedShare(channel["OTel metrics only"]?.diffs, channel["OTel metrics floor"]?.diffs);
  console.log(
    `  of which the metrics SDK's own floor (1 histogram record, attributes made once): ` +
      `${metricsFloor.median.toFixed(0)} ns (${metricsFloor.low.toFixed(0)} to ${metricsFloor.high.toFixed(0)}); ` +
      `Outrigger's share ${metricsShare.median.toFixed(0)} ns (${metricsShare.low.toFixed(0)} to ${metricsShare.high.toFixed(0)}): ` +
      `≤ ${GOAL_METRICS_NS} ns ${verdict(metricsShare, GOAL_METRICS_NS)}`,
  );
  const tracesShare = pairedShare(channel["SDK traces+metrics"]?.diffs, channel["SDK floor, no Outrigger"]?.diffs);
  console.log(
    `  SDK traces+metrics beyond the SDK floor (Outrigger's share), paired by round: ` +
      `${tracesShare.median.toFixed(0)} ns (${tracesShare.low.toFixed(0)} to ${tracesShare.high.toFixed(0)})`,
  );
  console.log(
    `  goal: Prometheus metrics alone ≤ ${GOAL_METRICS_NS} ns per attempt: ${verdict(prom, GOAL_METRICS_NS)}`,
  );

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
  const http = await interleave(ARMS, HTTP_ROUNDS, httpBatch, settleArms);
  show(
    `HTTP path: ${HTTP_ROUNDS} rounds × ${HTTP_BATCH} calls through the undici LB dispatcher, client CPU ns per call`,
    http,
    "ns",
  );
  const noSdk = medianCi(http["installed, no SDK"]?.diffs ?? []);
  const within = noSdk.low <= 0 && noSdk.high >= 0;
  console.log(
    `  installed with no SDK vs off: ${within ? "within noise (the interval holds 0)" : `differs (interval ${noSdk.low.toFixed(0)} to ${noSdk.high.toFixed(0)} ns)`}`,
  );
  await dispatcher.close();
  balancer.close();
  server.stop();
  await closeArms();
}

await main();
