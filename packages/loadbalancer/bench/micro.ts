// Microbenchmark: the cost of pick() per rule at 10, 100 and 1 000 instances; and the load-balanced axios client
// against plain axios to the same single server, same concurrency, same run, alternating to share the noise.
import { Agent } from "node:http";
import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer } from "@outrigger/discovery";
import axios from "axios";
import { AvailabilityFilteringRule } from "../src/availability-filtering.js";
import { createBalancer } from "../src/balancer.js";
import { BestAvailableRule } from "../src/best-available.js";
import { seededRandom } from "../src/clock.js";
import { ConsistentHashRule } from "../src/consistent-hash.js";
import { p2cLeastRequest, p2cPeakEwma } from "../src/p2c.js";
import { RandomRule } from "../src/random-rule.js";
import { RoundRobinRule } from "../src/round-robin.js";
import type { Rule } from "../src/rule.js";
import { SlowStartRule } from "../src/slow-start.js";
import { StaticWeightRule } from "../src/static-weight.js";
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

const fleetOf = (n: number): ServiceInstance[] =>
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
      pick.done({ ok: true, status: 200, rttMs: 1 + (i % 7) });
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
  const plainUrl = `http://127.0.0.1:${server.port}/`;
  // Warm both, then alternate short rounds (A B B A …) so both see the same background noise; the figure is the
  // median of the per-pair ratios, which one stalled round cannot swing.
  await closedLoop(plain, plainUrl, concurrency, afterMs(500));
  await closedLoop(lb.http, "lb://micro/", concurrency, afterMs(500));
  const rate = async (http: typeof plain, url: string): Promise<number> => {
    const started = performance.now();
    const { requests } = await closedLoop(http, url, concurrency, afterMs(roundMs));
    return (requests / (performance.now() - started)) * 1000;
  };
  const plainRates: number[] = [];
  const lbRates: number[] = [];
  for (let round = 0; round < 8; round++) {
    if (round % 2 === 0) {
      plainRates.push(await rate(plain, plainUrl));
      lbRates.push(await rate(lb.http, "lb://micro/"));
    } else {
      lbRates.push(await rate(lb.http, "lb://micro/"));
      plainRates.push(await rate(plain, plainUrl));
    }
  }
  lb.close();
  plainAgent.destroy();
  fleet.close();
  const ratios = lbRates.map((r, i) => r / (plainRates[i] as number));
  const throughput = {
    concurrency,
    plainRps: Math.round(quantile(plainRates, 0.5)),
    lbRps: Math.round(quantile(lbRates, 0.5)),
    ratio: Number(quantile(ratios, 0.5).toFixed(3)),
    pairRatios: ratios.map((r) => Number(r.toFixed(3))),
  };
  console.log(
    `\nMicro: throughput at concurrency ${concurrency}, same single server: plain axios ${throughput.plainRps} req/s, lb axios ${throughput.lbRps} req/s (medians), ratio ${throughput.ratio} (median of pairs ${throughput.pairRatios.join(", ")})`,
  );
  return { pickNs, throughput };
}
