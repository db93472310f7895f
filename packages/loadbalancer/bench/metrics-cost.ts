// pick()+done() with the Prometheus metrics subscribed, interleaved in one run against two baselines: nobody
// subscribed, and a subscriber that hashes prom-client label sets on every event (what createLbMetrics did until
// it kept plain per-instance numbers read at scrape time). Figures are per-operation means of 500-operation batches.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { loadavg } from "node:os";
import { FixedInstancer } from "@outrigger/discovery";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { createBalancer } from "../src/balancer.js";
import type { OutcomeMessage, PickMessage } from "../src/channels.js";
import { createLbMetrics } from "../src/metrics.js";
import { RoundRobinRule } from "../src/round-robin.js";
import { fleetOf } from "./micro.js";

const BATCH = 500;
const BATCHES = 2_000;
const GOAL_NS = 1_500;

/** The per-event label-hashing subscriber createLbMetrics was before (requests, in flight, latency). */
function labelHashing(registry: Registry): () => void {
  const registers = [registry];
  const requests = new Counter({ name: "r", help: "r", labelNames: ["service", "instance", "outcome"], registers });
  const active = new Gauge({ name: "a", help: "a", labelNames: ["service", "instance"], registers });
  const latency = new Histogram({ name: "l", help: "l", labelNames: ["service", "outcome"], registers });
  const onPick = (m: unknown) => {
    const { instance } = m as PickMessage;
    active.inc({ service: instance.service, instance: instance.id });
  };
  const onOutcome = (m: unknown) => {
    const { instance, outcome } = m as OutcomeMessage;
    active.dec({ service: instance.service, instance: instance.id });
    requests.inc({ service: instance.service, instance: instance.id, outcome: outcome.kind });
    if (outcome.kind !== "cancelled" && outcome.rttMs !== undefined) {
      latency.observe({ service: instance.service, outcome: outcome.kind }, outcome.rttMs / 1000);
    }
  };
  subscribe("outrigger:lb:pick", onPick);
  subscribe("outrigger:lb:outcome", onOutcome);
  return () => {
    unsubscribe("outrigger:lb:pick", onPick);
    unsubscribe("outrigger:lb:outcome", onOutcome);
  };
}

/** Median and its 95% confidence interval from order statistics (normal approximation to the binomial). */
function medianCi(values: readonly number[]): { median: number; low: number; high: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (i: number) => sorted[Math.min(n - 1, Math.max(0, Math.round(i)))] as number;
  const half = 1.96 * Math.sqrt(n) * 0.5;
  return { median: at(n / 2), low: at(n / 2 - half), high: at(n / 2 + half), p99: at(n * 0.99) };
}

/** The figures of this benchmark. */
export interface MetricsCostResult {
  readonly loadAverage: readonly number[];
  readonly ns: Readonly<Record<"none" | "metrics" | "labelHashing", ReturnType<typeof medianCi>>>;
  readonly metricsOverNone: number;
  readonly labelHashingOverMetrics: number;
  readonly goal: string;
}

export function runMetricsCost(): MetricsCostResult {
  const fleet = fleetOf(10);
  const balancer = createBalancer({ instancer: new FixedInstancer(fleet), rule: new RoundRobinRule() });
  const batch = (): number => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) balancer.pick().done({ kind: "success", status: 200, rttMs: 1 + (i % 7) });
    return Number(process.hrtime.bigint() - started) / BATCH;
  };
  const arms = {
    none: () => () => {},
    metrics: () => {
      const m = createLbMetrics({ registry: new Registry() });
      return () => m.close();
    },
    labelHashing: () => labelHashing(new Registry()),
  } as const;
  type Arm = keyof typeof arms;
  const samples: Record<Arm, number[]> = { none: [], metrics: [], labelHashing: [] };
  const names = Object.keys(arms) as Arm[];
  // Warm-up of every path, then interleaved batches in a rotating order, each arm (un)subscribed around its batch.
  for (let r = 0; r < 50; r++) {
    for (const a of names) {
      const stop = arms[a]();
      batch();
      stop();
    }
  }
  for (let r = 0; r < BATCHES; r++) {
    for (let k = 0; k < names.length; k++) {
      const a = names[(r + k) % names.length] as Arm;
      const stop = arms[a]();
      samples[a].push(batch());
      stop();
    }
  }
  const ns = {
    none: medianCi(samples.none),
    metrics: medianCi(samples.metrics),
    labelHashing: medianCi(samples.labelHashing),
  };
  const goal = ns.metrics.high < GOAL_NS ? "met" : ns.metrics.low > GOAL_NS ? "missed" : "inconclusive";
  const result: MetricsCostResult = {
    loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
    ns,
    metricsOverNone: Number((ns.metrics.median / ns.none.median).toFixed(2)),
    labelHashingOverMetrics: Number((ns.labelHashing.median / ns.metrics.median).toFixed(2)),
    goal: `pick+done with metrics subscribed ≤ ${GOAL_NS} ns: ${goal}`,
  };
  const show = (a: Arm) =>
    `${a.padEnd(13)} median ${ns[a].median.toFixed(0)} ns (95% CI ${ns[a].low.toFixed(0)}–${ns[a].high.toFixed(0)}), p99 ${ns[a].p99.toFixed(0)} ns`;
  console.log(
    `\nMetrics cost: pick()+done(), ${BATCHES} interleaved batches of ${BATCH} per arm; load average ${result.loadAverage.join(" ")}`,
  );
  for (const a of names) console.log(`  ${show(a)}`);
  console.log(
    `  metrics/none ${result.metricsOverNone}×, label-hashing/metrics ${result.labelHashingOverMetrics}×; ${result.goal}`,
  );
  return result;
}
