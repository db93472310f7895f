import { describe, expect, it } from "vitest";
import { FleetWindow, WINDOW_SECONDS } from "./fleet-window.js";

describe("FleetWindow (time given by the caller)", () => {
  it("rates over the seconds seen, error % of calls, p50/p99 within 10% above the true value", () => {
    const window = new FleetWindow(0);
    // 1 000 calls over 2 s: latencies 1..1000 ms, every tenth failed.
    for (let i = 1; i <= 1000; i++) window.record(i < 500 ? 500 : 1500, i, i % 10 === 0);
    const f = window.figures(1999);
    expect(f.rps).toBe(500);
    expect(f.errorPct).toBe(10);
    expect(f.p50Ms).toBeGreaterThanOrEqual(500);
    expect(f.p50Ms).toBeLessThanOrEqual(550);
    expect(f.p99Ms).toBeGreaterThanOrEqual(990);
    expect(f.p99Ms).toBeLessThanOrEqual(990 * 1.1);
  });

  it("forgets seconds that left the window, so a recovered destination reads clean", () => {
    const window = new FleetWindow(0);
    window.record(100, 5_000, true);
    expect(window.figures(100).errorPct).toBe(100);
    for (let s = 1; s <= WINDOW_SECONDS; s++) window.record(s * 1000 + 1, 2, false);
    const f = window.figures(WINDOW_SECONDS * 1000 + 1);
    expect(f).toMatchObject({ errorPct: 0, calls: WINDOW_SECONDS, rps: 1 });
    expect(f.p99Ms).toBeLessThanOrEqual(2.2);
  });

  it("reads zeros with no call, and keeps latencies beyond its last bucket in it", () => {
    const window = new FleetWindow(0);
    expect(window.figures(0)).toEqual({ rps: 0, errorPct: 0, p50Ms: 0, p99Ms: 0, calls: 0 });
    window.record(1, 3_600_000, false);
    window.record(1, 0, false);
    expect(window.figures(1).p99Ms).toBeGreaterThan(600_000);
    expect(window.figures(1).p50Ms).toBe(0.1);
  });
});
