import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { p2cLeastRequest, p2cPeakEwma } from "./p2c.js";
import { instance, ruleContext, tally } from "./test-support.js";

describe("P2C", () => {
  const three = [instance("a"), instance("b"), instance("c")];

  it("least request: of two distinct draws, takes the one with fewer requests in flight", () => {
    const ctx = ruleContext(three);
    ctx.mut("a").active = 5;
    // Draws a then b (random 0 → index 0, then index 0 of the rest → b): b wins.
    const draws = [0, 0, 0.9];
    const rule = p2cLeastRequest({ random: () => draws.shift() ?? 0 });
    expect(rule.choose(three, ctx).id).toBe("b");
    // The busiest instance is never chosen: it loses every pair it is in.
    const counts = tally(3000, () => p2cLeastRequest({ random: seededRandom(9) }).choose(three, ctx));
    expect(counts.a).toBeUndefined();
  });

  it("peak EWMA: prefers the fast instance, weighing latency by requests in flight", () => {
    const ctx = ruleContext(three);
    ctx.mut("a").end({ kind: "success", rttMs: 300 }, 0);
    ctx.mut("b").end({ kind: "success", rttMs: 10 }, 0);
    ctx.mut("c").end({ kind: "success", rttMs: 10 }, 0);
    const rule = p2cPeakEwma({ random: seededRandom(3) });
    expect(tally(3000, () => rule.choose(three, ctx)).a).toBeUndefined();
    // Busy enough, the fast one loses to the slow one: 10 × (40 + 1) > 300 × 1.
    ctx.mut("b").active = 40;
    ctx.mut("c").active = 40;
    expect(tally(300, () => rule.choose(three, ctx)).a).toBeGreaterThan(100);
  });

  it("peak EWMA: estimates within 10% are a tie, settled at random; larger gaps are not", () => {
    const two = [instance("a"), instance("b")];
    const ctx = ruleContext(two);
    ctx.mut("a").end({ kind: "success", rttMs: 2.0 }, 0);
    ctx.mut("b").end({ kind: "success", rttMs: 2.1 }, 0);
    const rule = p2cPeakEwma({ random: seededRandom(8) });
    const near = tally(2000, () => rule.choose(two, ctx));
    expect(near.b).toBeGreaterThan(800);
    ctx.mut("b").end({ kind: "success", rttMs: 2.5 }, 0);
    expect(tally(200, () => rule.choose(two, ctx))).toEqual({ a: 200 });
  });

  it("peak EWMA: a new instance starts at the default RTT, not free", () => {
    const ctx = ruleContext([instance("old"), instance("new")]);
    ctx.mut("old").end({ kind: "success", rttMs: 5 }, 0);
    expect(ctx.stats("new").peakRttMs(0)).toBe(30);
    const rule = p2cPeakEwma({ random: seededRandom(1) });
    expect(tally(100, () => rule.choose([instance("old"), instance("new")], ctx))).toEqual({ old: 100 });
  });

  it("never draws the same instance twice, and handles one candidate", () => {
    const ctx = ruleContext(three);
    const rule = p2cLeastRequest({ random: () => 0.999999 });
    expect(["b", "c"]).toContain(rule.choose(three, ctx).id);
    expect(rule.choose([instance("x")], ctx).id).toBe("x");
  });
});
