import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { BestAvailableRule } from "./best-available.js";
import { instance, ruleContext, tally } from "./test-support.js";

describe("BestAvailableRule", () => {
  const three = [instance("a"), instance("b"), instance("c")];

  it("takes the instance with the fewest requests in flight", () => {
    const ctx = ruleContext(three);
    ctx.mut("a").active = 3;
    ctx.mut("b").active = 1;
    ctx.mut("c").active = 2;
    expect(new BestAvailableRule().choose(three, ctx).id).toBe("b");
  });

  it("breaks ties at random instead of always taking the first (Ribbon's fault)", () => {
    const ctx = ruleContext(three);
    const rule = new BestAvailableRule({ random: seededRandom(4) });
    const counts = tally(3000, () => rule.choose(three, ctx));
    for (const id of ["a", "b", "c"]) expect(counts[id]).toBeGreaterThan(800);
  });

  it("skips tripped instances even when they look idle", () => {
    const ctx = ruleContext(three, { now: 100 });
    ctx.ejected.add("a");
    ctx.mut("b").active = 5;
    ctx.mut("c").active = 5;
    const counts = tally(200, () => new BestAvailableRule({ random: seededRandom(5) }).choose(three, ctx));
    expect(counts.a).toBeUndefined();
  });
});
