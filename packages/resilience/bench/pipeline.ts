// Per-call overhead of the resilience pipeline and of admission checks. Run: pnpm --filter @outrigger/resilience bench
// Every figure is measured in this same run against its baseline; the machine is shared and noisy, so read ratios
// and orders of magnitude, not the last nanosecond. The last line printed is one JSON object with all figures.
import Bottleneck from "bottleneck";
import {
  bulkhead,
  ConsecutiveBreaker,
  circuitBreaker,
  handleAll,
  retry,
  TimeoutStrategy,
  timeout,
  wrap,
} from "cockatiel";
import CircuitBreaker from "opossum";
import { RateLimiterMemory } from "rate-limiter-flexible";
import {
  composePolicies,
  createBulkheadPolicy,
  createCircuitBreaker,
  createRateLimiter,
  createRetryPolicy,
  createTimeoutPolicy,
} from "../src/index.js";

const CALLS = 100_000;
const ROUNDS = 7;
const work = async () => 1;

/** ns per call of `calls` sequential awaited calls of `run`. */
async function measure(run: () => Promise<unknown>, calls = CALLS): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  return Number(process.hrtime.bigint() - started) / calls;
}

/**
 * Median ns per call of each variant. Variants take turns within every round, so a burst of load from other work
 * on this shared machine hits them all alike; round 0 only warms up the JIT.
 */
async function interleaved(variants: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants)) {
      const ns = await measure(run);
      if (round === 0) continue;
      samples[name] = [...(samples[name] ?? []), ns];
    }
  }
  const medians: Record<string, number> = {};
  for (const [name, list] of Object.entries(samples)) {
    list.sort((a, b) => a - b);
    medians[name] = list[Math.floor(list.length / 2)] as number;
  }
  return medians;
}

const ours = composePolicies(
  createRetryPolicy({ maxAttempts: 3 }),
  createCircuitBreaker({ mode: { kind: "consecutive", threshold: 5 }, halfOpenAfterMs: 10_000 }),
  createBulkheadPolicy({ maxConcurrent: 1_000, maxQueue: 0 }),
);
const oursTimeout = composePolicies(
  createRetryPolicy({ maxAttempts: 3 }),
  createCircuitBreaker({ mode: { kind: "consecutive", threshold: 5 }, halfOpenAfterMs: 10_000 }),
  createBulkheadPolicy({ maxConcurrent: 1_000, maxQueue: 0 }),
  createTimeoutPolicy({ ms: 1_000 }),
);
const cockatielPolicies = () =>
  [
    retry(handleAll, { maxAttempts: 2 }),
    circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    bulkhead(1_000, 0),
  ] as const;
const cockatielWrap = wrap(...cockatielPolicies());
const cockatielWrapTimeout = wrap(...cockatielPolicies(), timeout(1_000, TimeoutStrategy.Aggressive));
const opossum = new CircuitBreaker(work, { timeout: false, volumeThreshold: 5 });
const opossumTimeout = new CircuitBreaker(work, { timeout: 1_000, volumeThreshold: 5 });

const pipelines = await interleaved({
  bare: work,
  pipeline: () => ours.execute(work),
  pipelineTimeout: () => oursTimeout.execute(work),
  cockatielWrap: () => cockatielWrap.execute(work),
  cockatielWrapTimeout: () => cockatielWrapTimeout.execute(work),
  opossum: () => opossum.fire(),
  opossumTimeout: () => opossumTimeout.fire(),
});
const bare = pipelines.bare as number;
const figures: Record<string, number> = { bareNs: Math.round(bare) };
console.log(`bare async call              ${bare.toFixed(0).padStart(7)} ns/call`);
for (const [name, ns] of Object.entries(pipelines)) {
  if (name === "bare") continue;
  figures[`${name}Ns`] = Math.round(ns);
  figures[`${name}OverheadNs`] = Math.round(ns - bare);
  console.log(
    `${name.padEnd(28)} ${ns.toFixed(0).padStart(7)} ns/call  overhead ${(ns - bare).toFixed(0).padStart(6)} ns  ×${(ns / bare).toFixed(1)} bare`,
  );
}

// Admission checks: a limit high enough that every check is allowed (we measure the check, not rejections).
const rlf = new RateLimiterMemory({ points: 1e12, duration: 3_600 });
const limiter = createRateLimiter({ points: 1e12, durationMs: 3_600_000 });
const checks = await interleaved({ rlf: () => rlf.consume("k"), ours: () => limiter.acquire("k") });
const rlfNs = checks.rlf as number;
const limiterNs = checks.ours as number;
const nolimits = new Bottleneck();
await measure(() => nolimits.schedule(work), 200); // warm-up
const bottleneckNs = await measure(() => nolimits.schedule(work), 1_000);
const throughput = new Bottleneck({ maxConcurrent: 1_000 });
const jobs = 5_000;
const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: jobs }, () => throughput.schedule(work)));
const bottleneckJobsPerSec = jobs / (Number(process.hrtime.bigint() - started) / 1e9);
figures.rateLimiterFlexibleCheckNs = Math.round(rlfNs);
figures.ourLimiterCheckNs = Math.round(limiterNs);
figures.bottleneckJobNs = Math.round(bottleneckNs);
figures.bottleneckJobsPerSec = Math.round(bottleneckJobsPerSec);
figures.bottleneckVsRateLimiterFlexible = Math.round(bottleneckNs / rlfNs);
console.log(`rate-limiter-flexible check  ${rlfNs.toFixed(0).padStart(7)} ns`);
console.log(`createRateLimiter().acquire  ${limiterNs.toFixed(0).padStart(7)} ns`);
console.log(
  `bottleneck schedule (1 job)  ${bottleneckNs.toFixed(0).padStart(7)} ns  ×${(bottleneckNs / rlfNs).toFixed(0)} rate-limiter-flexible`,
);
console.log(
  `bottleneck throughput        ${bottleneckJobsPerSec.toFixed(0).padStart(7)} jobs/s (5000 jobs, maxConcurrent 1000)`,
);
figures.goalPipelineNs = 1_000;
figures.goalPipelineTimeoutNs = 5_000;
figures.goalLimiterCheckNs = 1_000;
await nolimits.disconnect();
await throughput.disconnect();
console.log(JSON.stringify(figures));
