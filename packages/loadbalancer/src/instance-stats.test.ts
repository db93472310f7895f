import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { BestAvailableRule } from "./best-available.js";
import { InstanceStats } from "./instance-stats.js";
import { leastRequest } from "./load-metric.js";
import type { Outcome } from "./outcome.js";
import { instance, ruleContext, tally } from "./test-support.js";

const failure: Outcome = { kind: "failure", reason: "status", status: 500, rttMs: 1 };

describe("InstanceStats.failureLoad: recent failures counted as requests in flight (fasthttp LBClient's penalty)", () => {
  it("a failure adds one, decaying with a 3 s time constant, rounded to a whole request", () => {
    const stats = new InstanceStats(0, 0);
    expect(stats.failureLoad(0)).toBe(0);
    stats.end(failure, 0);
    expect(stats.failureLoad(0)).toBe(1);
    // e^(−2/3) = 0.51 rounds to one request; e^(−2.1/3) = 0.497 to none.
    expect(stats.failureLoad(2_000)).toBe(1);
    expect(stats.failureLoad(2_100)).toBe(0);
  });

  it("failures accumulate up to 300; successes and cancellations add nothing", () => {
    const stats = new InstanceStats(0, 0);
    for (let i = 0; i < 5; i++) stats.end(failure, 0);
    stats.end({ kind: "success", rttMs: 1 }, 0);
    stats.end({ kind: "cancelled" }, 0);
    expect(stats.failureLoad(0)).toBe(5);
    for (let i = 0; i < 1_000; i++) stats.end(failure, 0);
    expect(stats.failureLoad(0)).toBe(300);
  });

  it("leastRequest adds it to the requests in flight", () => {
    const stats = new InstanceStats(0, 0);
    stats.start();
    stats.end(failure, 0);
    stats.end(failure, 0);
    stats.start();
    expect(leastRequest(stats, 0)).toBe(1 + 2);
  });

  it("an instance that failed 10 s ago ties with the others again: a sequential caller spreads evenly", () => {
    const three = [instance("a"), instance("b"), instance("c")];
    const ctx = ruleContext(three);
    ctx.mut("a").end(failure, 0);
    const rule = new BestAvailableRule({ random: seededRandom(6) });
    expect(tally(300, () => rule.choose(three, ctx.at(0))).a).toBeUndefined();
    const counts = tally(3000, () => rule.choose(three, ctx.at(10_000)));
    expect((counts.a ?? 0) / 3000).toBeCloseTo(1 / 3, 1);
  });
});
