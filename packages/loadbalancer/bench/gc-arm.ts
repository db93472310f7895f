// One arm of `bench:gc` (see gc.ts), in its own process so each arm's heap is its own: sends an open loop at a
// fixed rate to the instances given on the command line, warms up, then measures one window. It prints one
// `RESULT {json}` line; the parent reads the GC trace (`--trace-gc-nvp`) the same process writes to stdout.
//   node --conditions=@outrigger/source --import tsx --trace-gc-nvp bench/gc-arm.ts ARM RATE SECONDS PORT...
// ARM: `bare` (one undici Pool per instance, round robin), `sdk` (createLbDispatcher with the sidecar bench's
// full policy, from this checkout), `sdk-base` (the same from the checkout in LB_BENCH_BASELINE), `axios-sdk`
// (createLbAxios on its default undici transport, the same policy), `axios-sdk-base` (that from LB_BENCH_BASELINE)
// or `axios` (plain axios, http adapter).
// With GC_SNAPSHOTS=dir, two heap snapshots are written in the window, SNAPSHOT_GAP requests apart (see gc.ts).

import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { quantileInterval } from "@outrigger/bench-stats";
import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer } from "@outrigger/discovery";
import { Pool } from "undici";
import { openLoop } from "./open-loop.js";

const [arm = "bare", rateArg = "1000", secondsArg = "60", ...ports] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const WARMUP_S = Number(process.env.GC_WARMUP_S ?? 10);
/** `sdk-no:pertry+health`: the sdk arm without the named parts (to find which part's objects get promoted). */
const without = new Set(arm.split("no:")[1]?.split("+") ?? []);
/** The sidecar bench's pool settings (bench/src/variants/downstream.ts: 256 connections, 30 s keep-alive). */
const POOL = { connections: 256, keepAliveTimeout: 30_000 };

const instances: ServiceInstance[] = ports.map((port, i) => ({
  id: `i${i}`,
  service: "upstream",
  host: "127.0.0.1",
  port: Number(port),
  secure: false,
  status: "UP",
  metadata: {},
}));

interface Client {
  send(): Promise<unknown>;
  close(): Promise<void>;
}

/** Plain axios on its http adapter with a keep-alive agent (the sidecar bench's `direct`), round robin. */
async function axiosClient(): Promise<Client> {
  const { default: axios } = await import("axios");
  const { Agent } = await import("node:http");
  const http = axios.create({
    httpAgent: new Agent({ keepAlive: true, maxSockets: POOL.connections }),
    validateStatus: (status: number) => status < 500,
  });
  let next = 0;
  return {
    send: async () => {
      const i = instances[next++ % instances.length] as ServiceInstance;
      return (await http.get(`http://${i.host}:${i.port}/work`)).status;
    },
    close: async () => {},
  };
}

/** Open TCP sockets of this process now (both arms alike; a health probe's socket counts while it connects). */
const connected = () => process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap").length;

function bareClient(): Client {
  const pools = instances.map((i) => new Pool(`http://${i.host}:${i.port}`, POOL));
  let next = 0;
  return {
    send: async () => {
      const pool = pools[next++ % pools.length] as Pool;
      const response = await pool.request({ path: "/work", method: "GET" });
      await response.body.dump();
      return response.statusCode;
    },
    close: async () => {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };
}

/**
 * `createSdkDownstream`'s undici sender (bench/src/variants/sdk.ts, policy "matched"): outlier ejection after 5
 * errors in a row, TCP health checks every 1 s (fall 3, rise 2), 64 in flight per instance, a 1 s queue
 * timeout, fail-fast panic, retries (3 attempts on 500–504) and a 100 ms per-try timeout. Static instances (a
 * `FixedInstancer`) instead of the registry watch: the registry's long poll is not on the request path.
 */
async function sdkClient(root: string, axiosArm = false): Promise<Client> {
  const lb = await import(`${root}/packages/loadbalancer/src/index.ts`);
  const { createLbDispatcher } = await import(`${root}/packages/loadbalancer/src/undici.ts`);
  const instancer = new FixedInstancer(instances);
  const balancer = lb.createBalancer({
    instancer,
    outlierDetection: without.has("outlier")
      ? false
      : {
          consecutive5xx: 5,
          countRetriedAttempts: false,
          successRateMinimumHosts: Number.MAX_SAFE_INTEGER,
          baseEjectionTimeMs: 30_000,
          maxEjectionTimeMs: 30_000,
          maxEjectionPercent: 100,
        },
    healthCheck: without.has("health")
      ? undefined
      : {
          probe: lb.tcpProbe(),
          intervalMs: 1_000,
          timeoutMs: 1_000,
          unhealthyThreshold: 3,
          healthyThreshold: 2,
          jitterMs: 0,
        },
    maxInFlightPerInstance: without.has("inflight") ? undefined : 64,
    queueTimeoutMs: 1_000,
    panic: { thresholdPercent: 1, mode: "fail" },
  });
  if (axiosArm) {
    // createLbAxios as shipped: its default undici transport (pools of undici's defaults), the same policy.
    const { createLbAxios } = await import(`${root}/packages/loadbalancer/src/axios.ts`);
    const http = createLbAxios({
      balancer: (name: string) => (name === "upstream" ? balancer : undefined),
      instancer: () => instancer,
      perTryTimeoutMs: without.has("pertry") ? undefined : 100,
      retry: without.has("retry") ? false : { maxAttempts: 3, retryOnStatus: [500, 502, 503, 504] },
      defaults: { validateStatus: (status: number) => status < 500 },
    });
    return {
      send: async () => (await http.get("lb://upstream/work")).status,
      close: async () => {
        await http.close();
        balancer.close();
      },
    };
  }
  const dispatcher = createLbDispatcher({
    balancer: (name: string) => (name === "upstream" ? balancer : undefined),
    instancer: () => instancer,
    perTryTimeoutMs: without.has("pertry") ? undefined : 100,
    retry: without.has("retry") ? false : { maxAttempts: 3, retryOnStatus: [500, 502, 503, 504] },
    pool: POOL,
  });
  return {
    send: async () => {
      const response = await dispatcher.request({ origin: "lb://upstream", path: "/work", method: "GET" });
      await response.body.dump();
      return response.statusCode;
    },
    close: async () => {
      await dispatcher.close();
      balancer.close();
    },
  };
}

const here = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");
// `…-base` arms are built from the baseline checkout: `sdk-base`, `axios-sdk-base`.
const checkout = arm.includes("-base") ? (process.env.LB_BENCH_BASELINE ?? here) : here;
const client =
  arm === "bare"
    ? bareClient()
    : arm === "axios"
      ? await axiosClient()
      : await sdkClient(checkout, arm.startsWith("axios-sdk"));

/** GC pauses in the window by kind (perf_hooks' `detail.kind`: 1 minor, 4 major, 8 incremental, 16 weak cb). */
const gc = { count: 0, ms: 0, maxMs: 0, byKind: {} as Record<string, number> };
let measuring = false;
const KINDS: Record<number, string> = { 1: "scavenge", 4: "mark-compact", 8: "incremental", 16: "weak-callbacks" };
new PerformanceObserver((list) => {
  if (!measuring) return;
  for (const entry of list.getEntries()) {
    const kind = KINDS[(entry as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? "other";
    gc.count++;
    gc.ms += entry.duration;
    gc.maxMs = Math.max(gc.maxMs, entry.duration);
    gc.byKind[kind] = (gc.byKind[kind] ?? 0) + 1;
  }
}).observe({ entryTypes: ["gc"] });

/** Connections opened and retries (by reason) in the window: the work a per-try timeout fired by lag adds. */
const events = { opened: 0, retries: {} as Record<string, number> };
subscribe("undici:client:connected", () => {
  if (measuring) events.opened++;
});
subscribe("outrigger:lb:retry", (message) => {
  const reason = String((message as { reason?: string }).reason);
  if (measuring) events.retries[reason] = (events.retries[reason] ?? 0) + 1;
});

const oldSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "old_space")?.space_used_size ?? 0;
const failures: Record<string, number> = {};
const snapshotDir = process.env.GC_SNAPSHOTS;
const snapshotGap = Number(process.env.SNAPSHOT_GAP ?? 20_000);

/** `count` requests at `rate`/s (open loop); latencies (ms) into `into`, failures counted by code. */
function run(count: number, into: number[] | undefined, onSent?: (i: number) => void): Promise<void> {
  return openLoop(() => client.send(), rate, count, {
    ...(into ? { onLatency: (ms: number) => into.push(ms) } : {}),
    onError: (error) => {
      const code = error.code ?? "other";
      failures[code] = (failures[code] ?? 0) + 1;
    },
    ...(onSent ? { onSent } : {}),
  });
}

await run(rate * WARMUP_S, undefined);
const latencies: number[] = [];
const peakConnected = { n: 0 };
// GC_SAMPLE=dir: V8's sampling heap profiler over the window, keeping the samples of objects a mark-compact
// collected (`includeObjectsCollectedByMajorGC`): what survived the scavenges (was promoted) and then died, by
// allocation stack — the objects that bring the next mark-compact sooner.
const sampleFile = process.env.GC_SAMPLE && `${process.env.GC_SAMPLE}/${arm}-${process.pid}.json`;
const session = sampleFile ? new Session() : undefined;
const post = (method: string, params?: object) =>
  new Promise<unknown>((resolve, reject) =>
    session?.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
if (session) {
  session.connect();
  // GC_SAMPLE_ALL=1 keeps what the scavenges collected too: every allocation, by stack (bytes per request by site).
  await post("HeapProfiler.startSampling", {
    samplingInterval: 1_024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.GC_SAMPLE_ALL === "1",
  });
}
const old0 = oldSpace();
for (const code of Object.keys(failures)) delete failures[code];
measuring = true;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const requests = Math.round(rate * seconds);
await run(requests, latencies, (i) => {
  if (i % 1_000 === 0) peakConnected.n = Math.max(peakConnected.n, connected());
  if (snapshotDir && (i === 10_000 || i === 10_000 + snapshotGap))
    writeHeapSnapshot(`${snapshotDir}/${arm}-${i}.heapsnapshot`);
});
const t1 = performance.now();
if (session && sampleFile) {
  const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
  writeFileSync(sampleFile, JSON.stringify(profile));
}
measuring = false;
const old1 = oldSpace();
latencies.sort((a, b) => a - b);
const result = {
  arm,
  windowMs: [t0, t1],
  requests,
  ok: latencies.length,
  failures,
  p50: quantileInterval(latencies, 0.5).estimate,
  p99: quantileInterval(latencies, 0.99).estimate,
  p999: quantileInterval(latencies, 0.999).estimate,
  gc,
  oldSpaceGrowth: old1 - old0,
  connected: connected(),
  opened: events.opened,
  retries: events.retries,
  peakConnected: peakConnected.n,
  cpuUsPerRequest: (() => {
    const { user, system } = process.cpuUsage(cpu0);
    return (user + system) / requests;
  })(),
};
console.log(`RESULT ${JSON.stringify(result)}`);
await client.close();
process.exit(0);
