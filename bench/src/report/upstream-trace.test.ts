import { describe, expect, it } from "vitest";
import type { TracedRequest } from "../fleet/request-trace.js";
import { failureStreaks, instanceFigures } from "./upstream-trace.js";

describe("failureStreaks", () => {
  it("counts each run of five failures once, however long, and where the first reached five", () => {
    const statuses = [503, 503, 503, 503, 200, 503, 503, 503, 503, 503, 503, 503, 200, 500, 503, 503, 503, 503];
    expect(failureStreaks(statuses)).toEqual({ count: 2, firstAt: 9 });
    expect(failureStreaks([200, 503, 503])).toEqual({ count: 0, firstAt: -1 });
  });
});

describe("instanceFigures", () => {
  // Five sheds answered at once while a success arrived first and answered last: in answer order they are a run of
  // five, in arrival order the success splits them.
  const start = 1_000_000;
  const requests: TracedRequest[] = [
    [start + 0, start + 1, 503, 3],
    [start + 2, start + 2.1, 503, 3],
    [start + 3, start + 30, 200, 2],
    [start + 4, start + 4.1, 503, 3],
    [start + 4.2, start + 4.3, 503, 3],
    [start + 5, start + 5.1, 503, 3],
    [start + 300, start + 320, 200, 1],
  ];

  it("reads runs in answer order apart from arrival order, bursts, and gaps as out periods", () => {
    const f = instanceFigures(requests, start, start + 1_000);
    expect(f.requests).toBe(7);
    expect(f.shedShare).toBeCloseTo(5 / 7);
    expect(f.streaksAnswered).toBe(1);
    expect(f.streaksArrived).toBe(0);
    expect(f.firstStreakAt).toBeCloseTo(5.1);
    // One arrival 0.2 ms after the previous one of six gaps.
    expect(f.burstShare).toBeCloseTo(1 / 6);
    // 5 → 300 and 300 → the window's end (1 000).
    expect(f.outPeriods).toBe(2);
    expect(f.firstOutAt).toBe(5);
    expect(f.outMs).toBeCloseTo(295 + 700);
  });

  it("finds no out period in evenly spaced traffic", () => {
    const even: TracedRequest[] = Array.from({ length: 150 }, (_, i) => [
      start + i * 6.7,
      start + i * 6.7 + 20,
      200,
      1,
    ]);
    const f = instanceFigures(even, start, start + 1_000);
    expect([f.outPeriods, f.streaksAnswered, f.burstShare]).toEqual([0, 0, 0]);
    expect(Number.isNaN(f.firstOutAt)).toBe(true);
  });
});
