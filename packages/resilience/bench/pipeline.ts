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

const CALLS = 200_000;
const ROUNDS = 5;
const work = async () => 1;

/** Median ns per call of `run` over ROUNDS rounds of CALLS sequential awaited calls (after a warm-up round). */
async function nsPerCall(run: () => Promise<unknown>, calls = CALLS): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await run();
    const ns = Number(process.hrtime.bigint() - started) / calls;
    if (round > 0) samples.push(ns); // round 0 warms up the JIT
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
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

const bare = await nsPerCall(work);
const figures: Record<string, number> = { bareNs: bare };
const report = (name: string, ns: number) => {
  figures[`${name}Ns`] = Math.round(ns);
  figures[`${name}OverheadNs`] = Math.round(ns - bare);
  console.log(
    `${name.padEnd(28)} ${ns.toFixed(0).padStart(7)} ns/call  overhead ${(ns - bare).toFixed(0).padStart(6)} ns  ×${(ns / bare).toFixed(1)} bare`,
  );
};
console.log(`bare async call              ${bare.toFixed(0).padStart(7)} ns/call`);
report("pipeline", await nsPerCall(() => ours.execute(work)));
report("pipelineTimeout", await nsPerCall(() => oursTimeout.execute(work)));
report("cockatielWrap", await nsPerCall(() => cockatielWrap.execute(work)));
report("cockatielWrapTimeout", await nsPerCall(() => cockatielWrapTimeout.execute(work)));
report("opossum", await nsPerCall(() => opossum.fire()));
report("opossumTimeout", await nsPerCall(() => opossumTimeout.fire()));

// Admission checks: a limit high enough that every check is allowed (we measure the check, not rejections).
const rlf = new RateLimiterMemory({ points: 1e12, duration: 3_600 });
const limiter = createRateLimiter({ points: 1e12, durationMs: 3_600_000 });
const rlfNs = await nsPerCall(() => rlf.consume("k"));
const limiterNs = await nsPerCall(() => limiter.acquire("k"));
const nolimits = new Bottleneck();
const bottleneckNs = await nsPerCall(() => nolimits.schedule(work), 2_000);
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
