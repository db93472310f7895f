import { describe, expect, it } from "vitest";
import type { Measurement } from "../scenarios/measure.js";
import { createHistogram, encodeHistogram, recordMs } from "../stats/histogram.js";
import { measurementOf } from "./measurement.fixture.js";
import { windowOrder, windowOrderMarkdown } from "./window-order.js";

/** A window of 1 000 path latencies, 980 of 1 ms and 20 of `tailMs`: its p99 is `tailMs`. */
function windowOf(variant: string, tailMs: number, windowInPass?: number): Measurement {
  const h = createHistogram();
  for (let i = 0; i < 1000; i++) recordMs(h, i < 980 ? 1 : tailMs);
  const encoded = encodeHistogram(h);
  return measurementOf(h, {
    variant,
    pathHistogram: encoded,
    rate: { targetPerSec: 1000, achievedPerSec: 1000, accepted: true },
    diagnostics: {
      connectionsOpened: 0,
      connectionsOpen: 2,
      peakInFlight: 3,
      gcCount: 0,
      gcMaxMs: 0,
      gcTotalMs: 0,
      loopDelayMaxMs: tailMs,
      sdkRetries: 0,
      sdkRetriesOnTimeout: 0,
    },
    ...(windowInPass === undefined ? {} : { windowInPass }),
  });
}

describe("window order", () => {
  it("groups a cell's windows by their recorded place in the pass and takes medians", () => {
    const rows = windowOrder(
      {
        steady: { "1000": { a: [windowOf("a", 6, 0), windowOf("a", 2, 1), windowOf("a", 8, 0), windowOf("a", 3, 2)] } },
      },
      ["a"],
    );
    expect(rows.map((r) => [r.place, r.windows])).toEqual([
      [0, 2],
      [1, 1],
      [2, 1],
    ]);
    expect(rows[0]?.p99Ms).toBeCloseTo(8, 0);
    expect(rows[1]?.p99Ms).toBeCloseTo(2, 0);
    expect(rows[0]?.loopDelayMaxMs).toBe(8);
  });

  it("without a recorded place, takes the variant's place in its round from the rotation runSteady uses", () => {
    // Three variants, rounds rotated: rep 0 measures a, b, c; rep 1 b, c, a; rep 2 c, a, b. Each first window is slow.
    const first = (rep: number) => ["a", "b", "c"][rep % 3];
    const cell = (v: string) => [0, 1, 2, 3].map((rep) => windowOf(v, first(rep) === v ? 9 : 2));
    const rows = windowOrder({ steady: { "1000": { a: cell("a"), b: cell("b"), c: cell("c") } } }, ["a", "b", "c"]);
    for (const row of rows) expect(row.p99Ms).toBeCloseTo(row.place === 0 ? 9 : 2, 0);
    // a is first in reps 0 and 3, second in rep 2, third in rep 1.
    expect(rows.filter((r) => r.variant === "a").map((r) => [r.place, r.windows])).toEqual([
      [0, 2],
      [1, 1],
      [2, 1],
    ]);
    expect(windowOrderMarkdown(rows)).toContain("| 1000 | a | 0 | 2 | 9.");
  });
});
