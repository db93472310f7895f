import { describe, expect, it } from "vitest";
import type { Measurement } from "../scenarios/measure.js";
import { createHistogram, recordMs } from "../stats/histogram.js";
import { checkGoals } from "./goals.js";
import { measurementOf } from "./measurement.fixture.js";
import { describeMargin, marginMs, NONINFERIORITY_SHARE } from "./noninferiority.js";
import { summariseRate } from "./steady-summary.js";

/** A run whose latencies are 2 000 values spread evenly from 1 ms to `toMs`. */
function run(toMs: number): Measurement {
  const h = createHistogram();
  for (let i = 0; i < 2_000; i++) recordMs(h, 1 + ((toMs - 1) * i) / 2_000);
  return measurementOf(h);
}

/**
 * Six repetitions at 100/s: `direct` ends at 2 ms, HAProxy at 3 ms plus 0, 0.1, 0.2 ms by repetition, the SDK at
 * `sdkMs` plus the same steps one repetition later — so the two sides' repetitions differ and a tie has an interval
 * on both sides of 0.
 */
function cells(sdkMs: number, step = 0.1) {
  const n = 6;
  const reps = (make: (i: number) => Measurement) => Array.from({ length: n }, (_, i) => make(i));
  return summariseRate({
    direct: reps(() => run(2)),
    sdk: reps((i) => run(sdkMs + ((i + 1) % 3) * step)),
    "haproxy-http": reps((i) => run(3 + (i % 3) * step)),
  });
}

const P99 = "sdk: added p99 ≤ haproxy-http's at 100/s";
const goalOf = (sdkMs: number, step?: number) =>
  checkGoals({ 100: cells(sdkMs, step) }, {}, {}).find((g) => g.goal === P99);

describe("the latency goals' non-inferiority margin", () => {
  it("is 10% of the sidecar's own percentile, and no margin without one", () => {
    expect(NONINFERIORITY_SHARE).toBe(0.1);
    expect(marginMs(2.71)).toBeCloseTo(0.271, 6);
    expect(marginMs(Number.NaN)).toBeNaN();
    expect(marginMs(0)).toBeNaN();
  });

  it("meets a tie — an interval across 0 that stays under the margin — which a threshold of 0 left inconclusive", () => {
    const s = cells(3);
    const goal = checkGoals({ 100: s }, {}, {}).find((g) => g.goal === P99);
    const hapP99 = s.byVariant["haproxy-http"]?.latencyMs.p99 as number;
    expect(goal?.threshold).toBeCloseTo(0.1 * hapP99, 6);
    expect(goal?.interval?.lo).toBeLessThan(0);
    expect(goal?.interval?.hi).toBeGreaterThan(0);
    expect(goal?.interval?.hi).toBeLessThan(goal?.threshold as number);
    expect(goal?.status).toBe("met");
    expect(goal?.detail).toMatch(/^a tie within the margin 0\.3\d\d ms = 10% of HAProxy's p99 3\.\d+ ms; /);
  });

  it("meets an SDK shown above HAProxy's by less than the margin, and says it is above", () => {
    const goal = goalOf(3.15, 0.02);
    expect(goal?.interval?.lo).toBeGreaterThan(0);
    expect(goal?.status).toBe("met");
    expect(goal?.detail).toMatch(/^above HAProxy's, within the margin /);
  });

  it("is inconclusive when the interval reaches past the margin, missed when it lies wholly past it", () => {
    const across = goalOf(3.2, 0.2);
    expect(across?.interval?.lo).toBeLessThan(across?.threshold as number);
    expect(across?.interval?.hi).toBeGreaterThan(across?.threshold as number);
    expect(across?.status).toBe("inconclusive");
    expect(across?.detail).toMatch(/^margin 0\.\d+ ms = 10% of HAProxy's p99/);
    expect(goalOf(4)?.status).toBe("missed");
  });

  it("words each place of the interval", () => {
    expect(describeMargin({ lo: -2, hi: -0.1 }, 0.3, "x")).toBe(
      "below HAProxy's (interval under 0; margin 0.300 ms = 10% of x)",
    );
    expect(describeMargin({ lo: -0.2, hi: 0.3 }, 0.3, "x")).toBe("a tie within the margin 0.300 ms = 10% of x");
    expect(describeMargin({ lo: 0.1, hi: 0.2 }, 0.3, "x")).toBe(
      "above HAProxy's, within the margin 0.300 ms = 10% of x",
    );
    expect(describeMargin({ lo: 0.1, hi: Number.NaN }, 0.3, "x")).toBe("margin 0.300 ms = 10% of x");
  });
});
