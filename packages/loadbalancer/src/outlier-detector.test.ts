import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createBalancer, type Ejection } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";

describe("outlier detection in the balancer", () => {
  function setup(n: number, outlierDetection: object = {}) {
    let now = 0;
    const fleet = Array.from({ length: n }, (_, i) => instance(`i${i}`));
    const balancer = createBalancer({
      instancer: new FixedInstancer(fleet),
      rule: new RoundRobinRule({ random: () => 0 }),
      outlierDetection: { baseEjectionMs: 1000, maxEjectionMs: 2500, ...outlierDetection },
      clock: () => now,
    });
    const ejections: Ejection[] = [];
    balancer.onEjection((e) => ejections.push(e));
    /** Sends one request; `fail(id)` decides its outcome. */
    const send = (fail: (id: string) => boolean, status = 503): string => {
      const pick = balancer.pick();
      const bad = fail(pick.instance.id);
      pick.done({ ok: !bad, status: bad ? status : 200, rttMs: 1 });
      return pick.instance.id;
    };
    return { balancer, ejections, send, advance: (ms: number) => (now += ms), time: () => now };
  }

  it("ejects after consecutive 5xx (which Ribbon ignored), then brings the instance back", () => {
    const { ejections, send, advance } = setup(4);
    for (let i = 0; i < 20; i++) send((id) => id === "i0");
    expect(ejections.map((e) => [e.instance.id, e.reason, e.durationMs])).toEqual([
      ["i0", "consecutive-failures", 1000],
    ]);
    const picked = Array.from({ length: 12 }, () => send(() => false));
    expect(picked).not.toContain("i0");
    advance(1001);
    expect(Array.from({ length: 4 }, () => send(() => false))).toContain("i0");
  });

  it("lengthens each ejection by the base time, up to the cap", () => {
    const { ejections, send, advance } = setup(4, { intervalMs: 1e9 });
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 24; i++) send((id) => id === "i0");
      advance(3000);
    }
    expect(ejections.map((e) => e.durationMs)).toEqual([1000, 2000, 2500, 2500]);
  });

  it("ejects on a low success rate even without failures in a row", () => {
    const { ejections, send } = setup(2, { consecutiveFailures: 100, successRateMinRequests: 10 });
    let n = 0;
    for (let i = 0; i < 40; i++) send((id) => id === "i1" && n++ % 3 !== 0);
    expect(ejections.map((e) => [e.instance.id, e.reason])).toEqual([["i1", "success-rate"]]);
  });

  it("never ejects more than the allowed share, and panics (uses all) below the threshold", () => {
    const capped = setup(4, { maxEjectedPercent: 25 });
    for (let i = 0; i < 40; i++) capped.send((id) => id !== "i3");
    expect(capped.ejections.length).toBe(1);

    const panicky = setup(4, { maxEjectedPercent: 100, panicThresholdPercent: 50 });
    for (let i = 0; i < 60; i++) panicky.send((id) => id !== "i3");
    expect(panicky.ejections.length).toBe(3);
    // Three of four out is below 50% in service: panic mode spreads over all of them again.
    const spread = new Set(Array.from({ length: 8 }, () => panicky.send(() => false)));
    expect(spread.size).toBe(4);
  });
});
