// Microbenchmark: the cost of pick() per rule at 10, 100 and 1 000 instances; and the load-balanced axios client
// against plain axios to the same single server, same concurrency, same run, alternating to share the noise.
import { Agent } from "node:http";
import { seededRandom } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer } from "@outrigger/discovery";
import axios from "axios";
import { AvailabilityFilteringRule } from "../src/availability-filtering.js";
import { createBalancer } from "../src/balancer.js";
import { BestAvailableRule } from "../src/best-available.js";
import { ConsistentHashRule } from "../src/consistent-hash.js";
import { p2cLeastRequest, p2cPeakEwma } from "../src/p2c.js";
import { RandomRule } from "../src/random-rule.js";
import { RoundRobinRule } from "../src/round-robin.js";
import type { Rule } from "../src/rule.js";
import { SlowStartRule } from "../src/slow-start.js";
import { StaticWeightRule } from "../src/static-weight.js";
import { tcpProbe } from "../src/tcp-probe.js";
import { WeightedResponseTimeRule } from "../src/weighted-response-time.js";
import { ZoneAvoidanceRule } from "../src/zone-avoidance.js";
import { ZonePreferenceRule } from "../src/zone-preference.js";
import { benchClient } from "./clients.js";
import { Fleet } from "./fleet.js";
import { afterMs, closedLoop, quantile } from "./load.js";

const RULES: Array<[string, () => Rule]> = [
  ["round-robin", () => new RoundRobinRule()],
  ["random", () => new RandomRule({ random: seededRandom(1) })],
  ["weighted-response-time", () => new WeightedResponseTimeRule({ random: seededRandom(1) })],
  ["best-available", () => new BestAvailableRule({ random: seededRandom(1) })],
  ["availability-filtering", () => new AvailabilityFilteringRule({ activeLimit: 100 })],
  ["zone-avoidance", () => new ZoneAvoidanceRule({ random: seededRandom(1) })],
  ["zone-preference", () => new ZonePreferenceRule({ zone: "z0" })],
  ["p2c-least-request", () => p2cLeastRequest({ random: seededRandom(1) })],
  ["p2c-peak-ewma", () => p2cPeakEwma({ random: seededRandom(1) })],
  ["consistent-hash", () => new ConsistentHashRule({ random: seededRandom(1) })],
  ["static-weight", () => new StaticWeightRule({ random: seededRandom(1) })],
  ["slow-start(round-robin)", () => new SlowStartRule({ windowMs: 60_000, random: seededRandom(1) })],
];

/** `n` instances on loopback ports nobody listens on, in three zones, with weights 1–4 (picks only, no traffic). */
export const fleetOf = (n: number): ServiceInstance[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    service: "micro",
    host: "127.0.0.1",
    port: 1000 + i,
    secure: false,
    status: "UP",
    zone: `z${i % 3}`,
    metadata: { weight: String(1 + (i % 4)) },
  }));

/** Nanoseconds per pick()+done() for one rule and fleet size, best of three timed rounds. */
function pickCost(make: () => Rule, n: number): number {
  const balancer = createBalancer({ instancer: new FixedInstancer(fleetOf(n)), rule: make(), outlierDetection: true });
  const keys = Array.from({ length: 1024 }, (_, i) => `user-${i}`);
  const round = (iterations: number): number => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const pick = balancer.pick({ key: keys[i & 1023] as string });
      pick.done({ kind: "success", status: 200, rttMs: 1 + (i % 7) });
    }
    return Number(process.hrtime.bigint() - started) / iterations;
  };
  const iterations = n >= 1000 ? 5_000 : 50_000;
  round(iterations / 5); // warm-up
  return Math.min(round(iterations), round(iterations), round(iterations));
}

/** The figures of the microbenchmark. */
export interface MicroResult {
  readonly pickNs: Record<string, Record<string, number>>;
  readonly throughput: { concurrency: number; plainRps: number; lbRps: number; ratio: number; pairRatios: number[] };
  /** Client CPU per request (µs): plain axios, lb axios, lb axios with the SDK-vs-sidecar bench's policy. */
  readonly cpuUsPerRequest: Readonly<Record<"plain" | "lb" | "lbFull" | "lbOverPlain" | "lbFullOverPlain", number>>;
}

export async function runMicro(): Promise<MicroResult> {
  console.log("\nMicro: pick()+done() cost in ns (balancer with outlier detection; best of 3 rounds)");
  console.log(`  ${"rule".padEnd(26)} ${"10".padStart(8)} ${"100".padStart(8)} ${"1000".padStart(8)}`);
  const pickNs: Record<string, Record<string, number>> = {};
  for (const [name, make] of RULES) {
    const row: Record<string, number> = {};
    for (const n of [10, 100, 1000]) row[n] = Math.round(pickCost(make, n));
    pickNs[name] = row;
    console.log(
      `  ${name.padEnd(26)} ${String(row[10]).padStart(8)} ${String(row[100]).padStart(8)} ${String(row[1000]).padStart(8)}`,
    );
  }

  const fleet = new Fleet();
  await fleet.ready;
  const server = await fleet.start("one", { delayMs: 0, status: 200 });
  const concurrency = 32;
  const roundMs = 1500;
  const plainAgent = new Agent({ keepAlive: true, maxSockets: 256 });
  const plain = axios.create({ httpAgent: plainAgent });
  const lb = benchClient([server], new RoundRobinRule());
  // The policy of the SDK-vs-sidecar bench: ejection, TCP health checks, an in-flight cap, per-try timeout, retries.
  const lbFull = benchClient(
    [server],
    new RoundRobinRule(),
    {
      outlierDetection: { consecutive5xx: 5 },
      healthCheck: { probe: tcpProbe(), intervalMs: 1_000 },
      maxInFlightPerInstance: 64,
    },
    { perTryTimeoutMs: 100, retry: { maxAttempts: 3 } },
  );
  const plainUrl = `http://127.0.0.1:${server.port}/`;
  const clients = [
    { name: "plain", http: plain, url: plainUrl },
    { name: "lb", http: lb.http, url: "lb://micro/" },
    { name: "lbFull", http: lbFull.http, url: "lb://micro/" },
  ] as const;
  // Warm all, then alternate short rounds in a rotating order so all see the same background noise; figures are
  // medians over rounds, which one stalled round cannot swing. The fleet's server runs in its own process, so this
  // process's CPU is the client's alone.
  for (const c of clients) await closedLoop(c.http, c.url, concurrency, afterMs(500));
  const measured = Object.fromEntries(clients.map((c) => [c.name, { rps: [] as number[], cpuUs: [] as number[] }]));
  const round = async (c: (typeof clients)[number]): Promise<void> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const { requests } = await closedLoop(c.http, c.url, concurrency, afterMs(roundMs));
    const used = process.cpuUsage(cpu);
    measured[c.name]?.rps.push((requests / (performance.now() - started)) * 1000);
    measured[c.name]?.cpuUs.push((used.user + used.system) / requests);
  };
  for (let r = 0; r < 9; r++) {
    for (let i = 0; i < clients.length; i++) await round(clients[(r + i) % clients.length] as (typeof clients)[number]);
  }
  lb.close();
  lbFull.close();
  plainAgent.destroy();
  fleet.close();
  const median = (name: string, key: "rps" | "cpuUs") => quantile(measured[name]?.[key] ?? [], 0.5);
  const pairRatios = (measured.lb?.rps ?? []).map((r, i) => r / (measured.plain?.rps[i] as number));
  const throughput = {
    concurrency,
    plainRps: Math.round(median("plain", "rps")),
    lbRps: Math.round(median("lb", "rps")),
    ratio: Number(quantile(pairRatios, 0.5).toFixed(3)),
    pairRatios: pairRatios.map((r) => Number(r.toFixed(3))),
  };
  const cpuUsPerRequest = {
    plain: Number(median("plain", "cpuUs").toFixed(1)),
    lb: Number(median("lb", "cpuUs").toFixed(1)),
    lbFull: Number(median("lbFull", "cpuUs").toFixed(1)),
    /** Medians of the per-round differences against plain axios: the client-side cost of governance. */
    lbOverPlain: Number(pairedMedian(measured.lb?.cpuUs, measured.plain?.cpuUs).toFixed(1)),
    lbFullOverPlain: Number(pairedMedian(measured.lbFull?.cpuUs, measured.plain?.cpuUs).toFixed(1)),
  };
  console.log(
    `\nMicro: throughput at concurrency ${concurrency}, same single server: plain axios ${throughput.plainRps} req/s, lb axios ${throughput.lbRps} req/s (medians), ratio ${throughput.ratio} (median of pairs ${throughput.pairRatios.join(", ")})`,
  );
  console.log(
    `Micro: client CPU per request: plain axios ${cpuUsPerRequest.plain} µs, lb axios ${cpuUsPerRequest.lb} µs (+${cpuUsPerRequest.lbOverPlain}), with the bench's full policy ${cpuUsPerRequest.lbFull} µs (+${cpuUsPerRequest.lbFullOverPlain}); medians over 9 rounds`,
  );
  return { pickNs, throughput, cpuUsPerRequest };
}

/** Median of a[i] − b[i]: rounds run back to back, so pairing cancels slow drifts of the machine. */
function pairedMedian(a: readonly number[] = [], b: readonly number[] = []): number {
  return quantile(
    a.map((x, i) => x - (b[i] ?? Number.NaN)),
    0.5,
  );
}
