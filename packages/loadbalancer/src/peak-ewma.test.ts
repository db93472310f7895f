import { describe, expect, it } from "vitest";
import { PeakEwma } from "./peak-ewma.js";

describe("PeakEwma", () => {
  it("starts at the default RTT, and the first answer replaces it", () => {
    const ewma = new PeakEwma(30, 10_000, 0);
    expect(ewma.value(0)).toBe(30);
    ewma.observe(2, 5);
    expect(ewma.value(5)).toBe(2);
  });

  it("jumps to a peak at once and decays towards zero with no samples (10 s time constant)", () => {
    const ewma = new PeakEwma(30, 10_000, 0);
    ewma.observe(500, 100);
    expect(ewma.value(100)).toBe(500);
    expect(ewma.value(10_100)).toBeCloseTo(500 / Math.E, 5);
  });

  it("blends samples below the estimate by the time they cover", () => {
    const ewma = new PeakEwma(30, 10_000, 0);
    ewma.observe(100, 0);
    ewma.observe(10, 10_000);
    // Decayed to 100/e, then moved (1 − 1/e) of the way to 10.
    const decayed = 100 / Math.E;
    expect(ewma.value(10_000)).toBeCloseTo(decayed + (10 - decayed) * (1 - 1 / Math.E), 5);
  });
});
