import { describe, expect, it } from "vitest";
import { AvailabilityFilteringRule } from "./availability-filtering.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance, ruleContext, tally } from "./test-support.js";

describe("AvailabilityFilteringRule", () => {
  const three = [instance("a"), instance("b"), instance("c")];
  const rr = () => new RoundRobinRule({ random: () => 0 });

  it("skips tripped instances and ones at their in-flight limit", () => {
    const ctx = ruleContext(three, { now: 10 });
    ctx.ejected.add("a");
    ctx.mut("b").active = 4;
    const rule = new AvailabilityFilteringRule({ activeLimit: 4, rule: rr() });
    expect(tally(10, () => rule.choose(three, ctx))).toEqual({ c: 10 });
  });

  it("chooses among all when none passes, rather than failing", () => {
    const ctx = ruleContext(three);
    for (const i of three) ctx.mut(i.id).active = 9;
    const rule = new AvailabilityFilteringRule({ activeLimit: 1, rule: rr() });
    expect(Object.keys(tally(3, () => rule.choose(three, ctx))).sort()).toEqual(["a", "b", "c"]);
  });
});
