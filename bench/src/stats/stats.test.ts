import { describe, expect, it } from "vitest";
import { cdfPointsMs, createHistogram, encodeHistogram, mergeEncoded, percentilesMs, recordMs } from "./histogram.js";

describe("latency histogram", () => {
  it("reports percentiles in ms at microsecond resolution", () => {
    const h = createHistogram();
    for (let i = 1; i <= 1000; i++) recordMs(h, i / 100); // 0.01 … 10 ms
    const p = percentilesMs(h);
    expect(p.p50).toBeCloseTo(5, 1);
    expect(p.p90).toBeCloseTo(9, 1);
    expect(p.p99).toBeCloseTo(9.9, 1);
    expect(p["p99.9"]).toBeCloseTo(9.99, 1);
  });

  it("merges encoded histograms from other processes", () => {
    const a = createHistogram();
    const b = createHistogram();
    recordMs(a, 1);
    recordMs(b, 100);
    const merged = mergeEncoded([encodeHistogram(a), encodeHistogram(b)]);
    expect(merged.totalCount).toBe(2);
    expect(merged.maxValue / 1000).toBeCloseTo(100, 0);
  });

  it("spaces CDF points in nines and ends at the maximum", () => {
    const h = createHistogram();
    for (let i = 1; i <= 10_000; i++) recordMs(h, i / 1000);
    const points = cdfPointsMs(h, 1);
    expect(points.map(([p]) => Number(p.toFixed(2)))).toEqual([0, 90, 99, 99.9, 99.99, 100]);
    expect(points.at(-1)?.[1]).toBeCloseTo(10, 1);
  });
});
