// Per-call overhead of the resilience pipeline and of admission checks.
// Run: pnpm --filter @outrigger/resilience bench [rounds] [callsPerCell]
// Every figure is measured in this same run against its baseline, in interleaved rounds (every variant in every
// round, in a rotated order), and reported through @outrigger/bench-stats: a mean with a 95% t interval over the
// rounds; a goal is met or missed only when the interval of the paired per-round overhead excludes the threshold.
// The load average is printed at the start and the end. The last line printed is one JSON object with all figures.

import {
  atMost,
  formatInterval,
  type Interval,
  loadAverageLine,
  meanInterval,
  type Verdict,
} from "@outrigger/bench-stats";
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
  describeCall,
} from "../src/index.js";

/** Interleaved rounds (each variant's figure is a t interval over them) and sequential calls per cell. */
const ROUNDS = Number(process.argv[2] ?? 9);
const CALLS = Number(process.argv[3] ?? 100_000);
const work = async () => 1;

/** ns per call of `calls` sequential awaited calls of `run`. */
async function measure(run: () => Promise<unknown>, calls = CALLS): Promise<number> {
  // Collect the previous variant's garbage first (cockatiel's timeout leaves 100 000 timers and controllers behind),
  // so each variant pays only for its own; the bench script runs node with --expose-gc.
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await run();
  return Number(process.hrtime.bigint() - started) / calls;
}

/**
 * ns per call of each variant in each round. Variants take turns within every round, in an order rotated by one
 * each round, so a burst of load from other work on this shared machine hits them all alike and none always runs
 * right after the garbage of the same neighbour; round 0 only warms up the JIT.
 */
async function rounds(variants: Record<string, () => Promise<unknown>>): Promise<Record<string, number[]>> {
  const names = Object.keys(variants);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length] as string;
      const perCall = await measure(variants[name] as () => Promise<unknown>);
      if (round > 0) samples[name]?.push(perCall);
    }
  }
  return samples;
}

/** Per-round differences `variant − baseline` (rounds are paired: both ran in the same round). */
const paired = (variant: readonly number[], baseline: readonly number[]): number[] =>
  variant.map((ns, i) => ns - (baseline[i] as number));
/** Per-round ratios `variant / baseline`. */
const ratios = (variant: readonly number[], baseline: readonly number[]): number[] =>
  variant.map((ns, i) => ns / (baseline[i] as number));
const ns = (interval: Interval) => formatInterval(interval, 0);

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

console.log(`${loadAverageLine()} at start; ${ROUNDS} interleaved rounds of ${CALLS} calls per variant`);
const figures: Record<string, number | string> = { rounds: ROUNDS, callsPerCell: CALLS };

// What createLbAxios passes to its policy for a GET: the call's context.
const get = describeCall({ method: "GET" });
const samples = await rounds({
  bare: work,
  pipeline: () => ours.execute(work, undefined, get),
  pipelineTimeout: () => oursTimeout.execute(work, undefined, get),
  cockatielWrap: () => cockatielWrap.execute(work),
  cockatielWrapTimeout: () => cockatielWrapTimeout.execute(work),
  opossum: () => opossum.fire(),
  opossumTimeout: () => opossumTimeout.fire(),
});
const bare = samples.bare as number[];
const cockatiel = samples.cockatielWrap as number[];
console.log("\n| variant | ns/call (mean, 95%) | overhead over bare, paired (ns) | × cockatiel `wrap`, paired |");
console.log("|---|---|---|---|");
for (const [name, list] of Object.entries(samples)) {
  const perCall = meanInterval(list);
  figures[`${name}Ns`] = Math.round(perCall.estimate);
  if (name === "bare") {
    console.log(`| bare async call | ${ns(perCall)} | — | — |`);
    continue;
  }
  const overhead = meanInterval(paired(list, bare));
  const versus = meanInterval(ratios(list, cockatiel));
  figures[`${name}OverheadNs`] = Math.round(overhead.estimate);
  console.log(`| ${name} | ${ns(perCall)} | ${ns(overhead)} | ${formatInterval(versus)} |`);
}

const goals = [
  ["pipeline", 1_000],
  ["pipelineTimeout", 2_000],
] as const;
console.log("\n| goal | overhead, paired (ns, 95%) | verdict |");
console.log("|---|---|---|");
for (const [name, goalNs] of goals) {
  const overhead = meanInterval(paired(samples[name] as number[], bare));
  const verdict: Verdict = atMost(overhead, goalNs);
  figures[`${name}OverheadInterval`] = ns(overhead);
  figures[`${name}Goal`] = verdict;
  console.log(`| ${name} overhead ≤ ${goalNs} ns | ${ns(overhead)} | ${verdict} |`);
}

// Admission checks: a limit high enough that every check is allowed (we measure the check, not rejections).
const rlf = new RateLimiterMemory({ points: 1e12, duration: 3_600 });
const limiter = createRateLimiter({ points: 1e12, durationMs: 3_600_000 });
const checks = await rounds({ rlf: () => rlf.consume("k"), ours: () => limiter.acquire("k") });
const rlfCheck = meanInterval(checks.rlf as number[]);
const ourCheck = meanInterval(checks.ours as number[]);
const checkVerdict = atMost(ourCheck, 1_000);
console.log("\n| admission check | ns/check (mean, 95%) |");
console.log("|---|---|");
console.log(`| rate-limiter-flexible \`consume\` | ${ns(rlfCheck)} |`);
console.log(`| createRateLimiter().acquire | ${ns(ourCheck)} (goal ≤ 1 000 ns: ${checkVerdict}) |`);

// bottleneck schedules each job through its own queue and timers: a few rounds of fewer jobs say its order of
// magnitude (it is the comparison, not a goal).
const nolimits = new Bottleneck();
await measure(() => nolimits.schedule(work), 200); // warm-up
const bottleneckJobs: number[] = [];
const bottleneckRates: number[] = [];
const throughput = new Bottleneck({ maxConcurrent: 1_000 });
const jobs = 5_000;
for (let round = 0; round < ROUNDS; round++) {
  bottleneckJobs.push(await measure(() => nolimits.schedule(work), 1_000));
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: jobs }, () => throughput.schedule(work)));
  bottleneckRates.push(jobs / (Number(process.hrtime.bigint() - started) / 1e9));
}
const bottleneckJob = meanInterval(bottleneckJobs);
const bottleneckRate = meanInterval(bottleneckRates);
console.log(`| bottleneck \`schedule\` (1 job at a time) | ${ns(bottleneckJob)} |`);
console.log(`| bottleneck throughput, jobs/s (5 000 jobs, maxConcurrent 1 000) | ${ns(bottleneckRate)} |`);
figures.rateLimiterFlexibleCheckNs = Math.round(rlfCheck.estimate);
figures.ourLimiterCheckNs = Math.round(ourCheck.estimate);
figures.ourLimiterCheckGoal = checkVerdict;
figures.bottleneckJobNs = Math.round(bottleneckJob.estimate);
figures.bottleneckJobsPerSec = Math.round(bottleneckRate.estimate);
figures.goalPipelineNs = 1_000;
figures.goalPipelineTimeoutNs = 2_000;
figures.goalLimiterCheckNs = 1_000;
await nolimits.disconnect();
await throughput.disconnect();
console.log(`\n${loadAverageLine()} at end`);
figures.loadAverage = loadAverageLine();
console.log(JSON.stringify(figures));
