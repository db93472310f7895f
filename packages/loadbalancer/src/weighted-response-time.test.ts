import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { instance, ruleContext, tally } from "./test-support.js";
import { WeightedResponseTimeRule } from "./weighted-response-time.js";

describe("WeightedResponseTimeRule", () => {
  const two = [instance("fast"), instance("slow")];
  /** How often each of `two` is picked in `n` picks, after one answer each in `fast` and `slow` ms. */
  const picksAfter = (fast: number, slow: number, seed: number, n: number): Record<string, number> => {
    const ctx = ruleContext(two);
    ctx.mut("fast").end({ kind: "success", rttMs: fast }, 0);
    ctx.mut("slow").end({ kind: "success", rttMs: slow }, 0);
    const rule = new WeightedResponseTimeRule({ random: seededRandom(seed) });
    return tally(n, () => rule.choose(two, ctx));
  };

  it("weighs by total minus own average, as Ribbon does", () => {
    const counts = picksAfter(10, 90, 1, 10_000);
    // Weights 90 and 10: nine picks in ten go to the fast instance.
    expect((counts.fast ?? 0) / 10_000).toBeCloseTo(0.9, 1);
  });

  it("recovers within the decay time, unlike a cumulative average", () => {
    const ctx = ruleContext(two);
    let now = 0;
    for (let i = 0; i < 1000; i++) {
      now += 10;
      ctx.mut("fast").end({ kind: "success", rttMs: 10 }, now);
      ctx.mut("slow").end({ kind: "success", rttMs: 500 }, now);
    }
    // The slow one heals: 40 s of normal answers (four decay times) bring its average close to the other's.
    // A cumulative average would still be (1000×500 + 4000×10) / 5000 = 108 ms, a share under 10%.
    for (let i = 0; i < 4000; i++) {
      now += 10;
      ctx.mut("slow").end({ kind: "success", rttMs: 10 }, now);
    }
    expect(ctx.stats("slow").averageRttMs()).toBeLessThan(25);
    const rule = new WeightedResponseTimeRule({ random: seededRandom(2) });
    const counts = tally(10_000, () => rule.choose(two, ctx.at(now)));
    expect(counts.slow ?? 0).toBeGreaterThan(2500);
  });

  it("does not give unmeasured instances a failing peer's penalty", () => {
    // Only the failing instance has an estimate yet (a 500 in 1 ms counts as twice the 30 ms default); its
    // healthy peers have not answered. Filled with the measured mean they would look as slow as it, and it would
    // keep a third of the picks; capped at the default RTT they weigh 90 to its 60: a quarter.
    const three = [instance("failing"), instance("ok1"), instance("ok2")];
    const ctx = ruleContext(three);
    ctx.mut("failing").end({ kind: "failure", reason: "status", status: 500, rttMs: 1 }, 0);
    expect(ctx.stats("failing").averageRttMs()).toBe(60);
    const rule = new WeightedResponseTimeRule({ random: seededRandom(4) });
    const counts = tally(10_000, () => rule.choose(three, ctx));
    expect((counts.failing ?? 0) / 10_000).toBeCloseTo(0.25, 1);
  });

  it("Netflix/ribbon#39, #182, #338: every weight zero (answers in 0 ms) still picks, uniformly, never loops", () => {
    // Ribbon's choose() spun in `while (server == null)` when its total weight was 0 or its pick found no live server.
    const counts = picksAfter(0, 0, 5, 2000);
    expect((counts.fast ?? 0) / 2000).toBeCloseTo(0.5, 1);
  });

  it("treats unmeasured instances as average and falls back to uniform with one candidate", () => {
    const ctx = ruleContext(two);
    const rule = new WeightedResponseTimeRule({ random: seededRandom(3) });
    const counts = tally(2000, () => rule.choose(two, ctx));
    expect(counts.fast).toBeGreaterThan(800);
    expect(rule.choose([instance("fast")], ctx).id).toBe("fast");
  });
});
