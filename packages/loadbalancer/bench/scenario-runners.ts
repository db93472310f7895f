// The runs of scenarios a–h (scenarios.ts lists them with the rules they compare): each starts its fleet on the
// loopback servers' child process, drives the balanced client and returns one seed's figures.
import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceInstance } from "@outrigger/discovery";
import type { OutlierOptions } from "../src/outlier-detector.js";
import { benchClient, type RuleSpec } from "./clients.js";
import type { Behaviour, Fleet } from "./fleet.js";
import { afterMs, afterRequests, closedLoop, type LoadResult, quantile } from "./load.js";

/** Time compression of scenarios c and g (30 s → 6 s; 10 s decay → 2 s; 60 s slow-start window → 12 s). */
export const SCALE = 5;
const FAST: Behaviour = { delayMs: 2, status: 200 };
/**
 * With 20 callers the client's own event loop adds several ms to every request, which would drown a 2 ms vs
 * 20 ms difference, and on this shared machine event-loop stalls of 10–40 ms hit even a sequential caller;
 * scenarios a, b and c use 10 ms vs 100 ms so the servers, not the client, set the latency.
 */
const FAST10: Behaviour = { delayMs: 10, status: 200 };
const SLOW100: Behaviour = { delayMs: 100, status: 200 };

/** One rule's figures in one scenario, for one seed. */
export interface Sample {
  readonly badShare: number;
  readonly p50: number;
  readonly p99: number;
  readonly errorRate: number;
  readonly extra?: Record<string, number>;
}

const share = (counts: Record<string, number>, name: string): number => {
  const total = Object.values(counts).reduce((s, c) => s + c, 0);
  return total === 0 ? 0 : (counts[name] ?? 0) / total;
};
const sample = (load: LoadResult, badShare: number, extra?: Record<string, number>): Sample => ({
  badShare,
  p50: quantile(load.latencies, 0.5),
  p99: quantile(load.latencies, 0.99),
  errorRate: load.requests === 0 ? 0 : load.errors / load.requests,
  ...(extra ? { extra } : {}),
});

async function fleetOf(fleet: Fleet, behaviours: Record<string, Behaviour>, zones: Record<string, string> = {}) {
  const instances: ServiceInstance[] = [];
  for (const [name, b] of Object.entries(behaviours)) instances.push(await fleet.start(name, b, zones[name]));
  return instances;
}

const names = (n: number, prefix = "i") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const many = (n: number, b: Behaviour, bad?: Behaviour): Record<string, Behaviour> =>
  Object.fromEntries(names(n).map((name, i) => [name, i === n - 1 && bad ? bad : b]));

/** Runs `rules` on a fresh fleet per seed; `run` returns one seed's sample. */
export type Runner = (fleet: Fleet, rule: RuleSpec, seed: number) => Promise<Sample>;

/** a. Ten instances, one 10× slower; 20 concurrent callers. */
export const slowOneOfTen: Runner = async (fleet, rule, seed) => {
  const c = benchClient(await fleetOf(fleet, many(10, FAST10, SLOW100)), rule.make(seed));
  await fleet.counts();
  const load = await closedLoop(c.http, "lb://bench/", 20, afterRequests(3000));
  c.close();
  return sample(load, share(await fleet.counts(), "i9"));
};

/**
 * b. One sequential caller, five instances, one 10× slower. Shares even out over several decay times, so this
 * run (about 5 s) uses the scaled decay too: it stands for about 25 s of traffic.
 */
export const sequential: Runner = async (fleet, rule, seed) => {
  const c = benchClient(await fleetOf(fleet, many(5, FAST10, SLOW100)), rule.make(seed), {
    stats: { decayMs: 10_000 / SCALE },
  });
  await fleet.counts();
  const load = await closedLoop(c.http, "lb://bench/", 1, afterRequests(600));
  c.close();
  const counts = await fleet.counts();
  const maxEqual = Math.max(...names(4).map((n) => share(counts, n)));
  return sample(load, share(counts, "i4"), { maxEqualShare: maxEqual });
};

/** c. One instance slow for 30 s, then healthy: its share in the last fifth of the next 30 s. */
export const recovers: Runner = async (fleet, rule, seed) => {
  const phaseMs = 30_000 / SCALE;
  const c = benchClient(await fleetOf(fleet, many(5, FAST10, SLOW100)), rule.make(seed), {
    stats: { decayMs: 10_000 / SCALE },
  });
  await closedLoop(c.http, "lb://bench/", 5, afterMs(phaseMs));
  await fleet.set("i4", FAST10);
  const healing = closedLoop(c.http, "lb://bench/", 5, afterMs(phaseMs));
  await sleep(phaseMs * 0.8);
  await fleet.counts();
  const load = await healing;
  c.close();
  const regained = share(await fleet.counts(), "i4") / (1 / 5);
  return sample(load, share({}, "i4"), { regainedFairShare: regained });
};

/**
 * d. Uneven capacity: worker pools of 10, 10, 10 and 2, each request taking 10 ms of a worker (long enough that
 * server queues, not the client's own overhead, dominate what the client sees).
 */
export const uneven: Runner = async (fleet, rule, seed) => {
  const pool = (n: number): Behaviour => ({ delayMs: 10, status: 200, pool: n });
  const c = benchClient(
    await fleetOf(fleet, { i0: pool(10), i1: pool(10), i2: pool(10), i3: pool(2) }),
    rule.make(seed),
  );
  await fleet.counts();
  const load = await closedLoop(c.http, "lb://bench/", 32, afterRequests(2000));
  c.close();
  return sample(load, share(await fleet.counts(), "i3"));
};

/** e. One instance answers 503 fast; outlier detection alone (no retries) must keep errors ≤ 0.5%. */
export const failsFast =
  (outlierDetection: OutlierOptions | false): Runner =>
  async (fleet, rule, seed) => {
    const c = benchClient(
      await fleetOf(fleet, many(5, FAST, { delayMs: 1, status: 503 })),
      rule.make(seed),
      { outlierDetection }, // false: off (it is on by default)
      { retry: false },
    );
    await fleet.counts();
    const load = await closedLoop(c.http, "lb://bench/", 10, afterRequests(3000));
    c.close();
    return sample(load, share(await fleet.counts(), "i4"));
  };

/** f. A dead instance (connection refused), still listed by discovery. */
export const dead =
  (retry: boolean): Runner =>
  async (fleet, rule, seed) => {
    const instances = await fleetOf(fleet, many(5, FAST));
    await fleet.stop("i4");
    const c = benchClient(instances, rule.make(seed), { outlierDetection: true }, retry ? {} : { retry: false });
    const load = await closedLoop(c.http, "lb://bench/", 10, afterRequests(3000));
    c.close();
    const attempts = c.balancer.stats("i4");
    return sample(load, 0, { deadEjections: attempts?.ejections ?? 0 });
  };

/** g. A cold instance joins four warm ones: its share over the first 15 s. */
export const coldJoin: Runner = async (fleet, rule, seed) => {
  const [warm, cold] = [await fleetOf(fleet, many(4, FAST)), await fleet.start("new", FAST)];
  const c = benchClient(warm, rule.make(seed));
  await closedLoop(c.http, "lb://bench/", 8, afterMs(1000));
  c.instancer.set([...warm, cold]);
  await fleet.counts();
  const load = await closedLoop(c.http, "lb://bench/", 8, afterMs(15_000 / SCALE));
  c.close();
  return sample(load, share(await fleet.counts(), "new"));
};

/** h. Zone preference: all local while zone a lives; then zone a dies and calls fail over to zone b. */
export const zones: Runner = async (fleet, rule, seed) => {
  const layout = { a0: "a", a1: "a", a2: "a", b0: "b", b1: "b", b2: "b" };
  const instances = await fleetOf(fleet, Object.fromEntries(Object.keys(layout).map((n) => [n, FAST])), layout);
  const c = benchClient(
    instances,
    rule.make(seed),
    { outlierDetection: { maxEjectionPercent: 50 } },
    { retry: { maxAttempts: 4 } },
  );
  await fleet.counts();
  await closedLoop(c.http, "lb://bench/", 8, afterRequests(1500));
  const before = await fleet.counts();
  const local = (["a0", "a1", "a2"] as const).reduce((s, n) => s + share(before, n), 0);
  for (const n of ["a0", "a1", "a2"]) await fleet.stop(n);
  const load = await closedLoop(c.http, "lb://bench/", 8, afterRequests(1500));
  const after = await fleet.counts();
  c.close();
  const remote = (["b0", "b1", "b2"] as const).reduce((s, n) => s + share(after, n), 0);
  return sample(load, 1 - local, { localShareBefore: local, remoteShareAfter: remote });
};
