// Scenario benchmarks a–h: real HTTP servers on loopback (in a child process) with configured latency and
// faults, each rule run with several seeds. Time-based scenarios (c, g) run SCALE times faster than the issue
// states them, with every time constant (EWMA decay, slow-start window, ejection time) scaled alike.
import { seededRandom } from "@outrigger/core";
import type { OutlierOptions } from "../src/outlier-detector.js";
import { p2cLeastRequest, p2cPeakEwma } from "../src/p2c.js";
import { RoundRobinRule } from "../src/round-robin.js";
import { SlowStartRule } from "../src/slow-start.js";
import { ZonePreferenceRule } from "../src/zone-preference.js";
import {
  bestAvailable,
  leastRequest,
  peakEwma,
  type RuleSpec,
  random,
  roundRobin,
  weightedResponseTime,
} from "./clients.js";
import { Fleet } from "./fleet.js";
import { mean } from "./load.js";
import {
  coldJoin,
  dead,
  failsFast,
  type Runner,
  recovers,
  type Sample,
  SCALE,
  sequential,
  slowOneOfTen,
  uneven,
  zones,
} from "./scenario-runners.js";

export { SCALE } from "./scenario-runners.js";

/** One row of the table: a rule's figures averaged over seeds. */
export interface Row extends Sample {
  readonly scenario: string;
  readonly rule: string;
}

const zonePref = (name: string, inner: (s: number) => import("../src/rule.js").Rule): RuleSpec => ({
  name,
  make: (s) => new ZonePreferenceRule({ zone: "a", rule: inner(s) }),
});
const slowStart = (name: string, inner: (s: number) => import("../src/rule.js").Rule): RuleSpec => ({
  name,
  make: (s) => new SlowStartRule({ windowMs: 60_000 / SCALE, rule: inner(s), random: seededRandom(s + 7) }),
});
const named = (spec: RuleSpec, name: string): RuleSpec => ({ name, make: spec.make });
/** Envoy's defaults, ejection times scaled like the other time constants. */
const OUTLIER: OutlierOptions = { baseEjectionTimeMs: 30_000 / SCALE };

/** Every scenario: its id, what it measures as "bad share", the rules it compares, and how one run goes. */
export const SCENARIOS: ReadonlyArray<{ id: string; title: string; rules: Array<[RuleSpec, Runner]> }> = [
  {
    id: "a",
    title: "10 instances (10 ms), one 10x slower (100 ms), 20 callers",
    rules: [roundRobin, random, weightedResponseTime, bestAvailable, leastRequest, peakEwma].map((r) => [
      r,
      slowOneOfTen,
    ]),
  },
  {
    id: "b",
    title: `1 sequential caller, 5 instances (10 ms), one 10x slower (100 ms); decay scaled 1/${SCALE}`,
    rules: [roundRobin, weightedResponseTime, leastRequest, peakEwma].map((r) => [r, sequential]),
  },
  {
    id: "c",
    title: `slow ${30 / SCALE}s then healthy (scaled 1/${SCALE})`,
    rules: [weightedResponseTime, peakEwma].map((r) => [r, recovers]),
  },
  {
    id: "d",
    title: "uneven capacity, worker pools 10/10/10/2 (10 ms per request), 32 callers",
    rules: [roundRobin, bestAvailable, leastRequest, peakEwma].map((r) => [r, uneven]),
  },
  {
    id: "e",
    title: "one instance answers 503 fast, no retries",
    rules: [
      [named(roundRobin, "round-robin (no detection)"), failsFast(false)],
      [named(roundRobin, "round-robin + outlier"), failsFast(OUTLIER)],
      [named(leastRequest, "p2c-least-request + outlier"), failsFast(OUTLIER)],
      [named(peakEwma, "p2c-peak-ewma + outlier"), failsFast(OUTLIER)],
    ],
  },
  {
    id: "f",
    title: "one dead instance (connection refused)",
    rules: [
      [named(roundRobin, "round-robin (no retry)"), dead(false)],
      [roundRobin, dead(true)],
      [leastRequest, dead(true)],
      [peakEwma, dead(true)],
    ],
  },
  {
    id: "g",
    title: `cold instance joins 4 warm ones, first ${15 / SCALE}s (scaled 1/${SCALE})`,
    rules: [
      [roundRobin, coldJoin],
      [slowStart("round-robin + slow start", (s) => new RoundRobinRule({ random: seededRandom(s) })), coldJoin],
      [slowStart("p2c-least-request + slow start", (s) => p2cLeastRequest({ random: seededRandom(s) })), coldJoin],
      [peakEwma, coldJoin],
    ],
  },
  {
    id: "h",
    title: "zone preference (local zone a), then zone a dies",
    rules: [
      [zonePref("zone-preference/round-robin", (s) => new RoundRobinRule({ random: seededRandom(s) })), zones],
      [zonePref("zone-preference/p2c-peak-ewma", (s) => p2cPeakEwma({ random: seededRandom(s) })), zones],
    ],
  },
];

/** Runs every scenario (or those in `only`) for each seed; one fleet process serves them all. */
export async function runScenarios(seeds: readonly number[], only?: ReadonlySet<string>): Promise<Row[]> {
  const fleet = new Fleet();
  await fleet.ready;
  const rows: Row[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (only && !only.has(scenario.id)) continue;
      console.log(`\n${scenario.id}. ${scenario.title}`);
      for (const [rule, run] of scenario.rules) {
        const samples: Sample[] = [];
        for (const seed of seeds) {
          await fleet.seed(seed);
          samples.push(await run(fleet, rule, seed));
          await fleet.stopAll();
        }
        const row = average(scenario.id, rule.name, samples);
        rows.push(row);
        console.log(format(row));
      }
    }
  } finally {
    fleet.close();
  }
  return rows;
}

function average(scenario: string, rule: string, samples: readonly Sample[]): Row {
  const keys = Object.keys(samples[0]?.extra ?? {});
  const extra = Object.fromEntries(keys.map((k) => [k, mean(samples.map((s) => s.extra?.[k] ?? 0))]));
  return {
    scenario,
    rule,
    badShare: mean(samples.map((s) => s.badShare)),
    p50: mean(samples.map((s) => s.p50)),
    p99: mean(samples.map((s) => s.p99)),
    errorRate: mean(samples.map((s) => s.errorRate)),
    ...(keys.length > 0 ? { extra } : {}),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
function format(row: Row): string {
  const extra = Object.entries(row.extra ?? {})
    .map(([k, v]) => `${k}=${v.toFixed(3)}`)
    .join(" ");
  return `  ${row.rule.padEnd(34)} bad ${pct(row.badShare).padStart(7)}  p50 ${row.p50.toFixed(1).padStart(6)} ms  p99 ${row.p99.toFixed(1).padStart(6)} ms  errors ${pct(row.errorRate).padStart(7)}  ${extra}`;
}
