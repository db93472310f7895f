import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { atLeast, atMost } from "./interval.js";
import { meanInterval } from "./mean.js";
import { normalQuantile, studentQuantile } from "./normal.js";
import { quantileInterval, samplesToBound } from "./quantile.js";

describe("normal and t quantiles", () => {
  it("match the tables", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 5);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
    // t(0.975): df 8 → 2.306, df 14 → 2.145, df 30 → 2.042
    expect(studentQuantile(0.975, 8)).toBeCloseTo(2.306, 2);
    expect(studentQuantile(0.975, 14)).toBeCloseTo(2.145, 2);
    expect(studentQuantile(0.975, 30)).toBeCloseTo(2.042, 2);
  });
});

describe("quantileInterval", () => {
  it("covers the true p99 of a known distribution about 95% of the time", () => {
    const random = seededRandom(11);
    const trueP99 = -Math.log(0.01); // exponential(1)
    let covered = 0;
    for (let trial = 0; trial < 400; trial++) {
      const samples = Array.from({ length: 2_000 }, () => -Math.log(1 - random()));
      const i = quantileInterval(samples, 0.99);
      if (i.lo <= trueP99 && trueP99 <= i.hi) covered += 1;
    }
    expect(covered / 400).toBeGreaterThan(0.9);
  });

  it("refuses to bound a p99 from above with too few samples, so 'at most' cannot be met from them", () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i);
    const i = quantileInterval(hundred, 0.99);
    expect(i.hi).toBe(Number.POSITIVE_INFINITY);
    expect(atMost(i, 1_000)).toBe("inconclusive");
    // …but a clearly missed goal is still called missed.
    expect(atMost(i, 10)).toBe("missed");
  });

  it("says how many samples bound a percentile (p99.9 needs thousands)", () => {
    expect(samplesToBound(0.99)).toBeGreaterThan(400);
    expect(samplesToBound(0.99)).toBeLessThan(1_000);
    expect(samplesToBound(0.999)).toBeGreaterThan(4_000);
    const n = samplesToBound(0.999);
    expect(quantileInterval(new Array(n).fill(1), 0.999).hi).toBe(1);
    expect(quantileInterval(new Array(n - 1).fill(1), 0.999).hi).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("meanInterval and verdicts", () => {
  it("gives a t interval and verdicts only when the interval excludes the threshold", () => {
    const i = meanInterval([1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.02, 0.98, 1.0]);
    expect(i.estimate).toBeCloseTo(1, 5);
    expect(i.hi - i.lo).toBeGreaterThan(0);
    expect(atMost(i, 1.25)).toBe("met");
    expect(atMost(i, 0.8)).toBe("missed");
    expect(atMost(i, 1.0)).toBe("inconclusive");
    expect(atLeast(i, 0.8)).toBe("met");
    expect(meanInterval([1]).lo).toBeNaN();
  });
});
