import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { RandomRule } from "./random-rule.js";
import { SlowStartRule, slowStartFactor } from "./slow-start.js";
import { instance, ruleContext, tally } from "./test-support.js";

describe("slow start", () => {
  it("ramps Envoy's way: max(floor, (max(age, 1 s) / window)^(1/aggression))", () => {
    const window = { windowMs: 60_000 };
    expect(slowStartFactor(0, window)).toBe(0.1);
    expect(slowStartFactor(30_000, window)).toBeCloseTo(0.5);
    expect(slowStartFactor(60_000, window)).toBe(1);
    expect(slowStartFactor(15_000, { windowMs: 60_000, aggression: 2 })).toBeCloseTo(0.5);
  });

  it("gives a new instance a share that grows with its age", () => {
    const fleet = [instance("a"), instance("b"), instance("c"), instance("new")];
    const ctx = ruleContext(fleet, { added: { new: 0 } });
    const rule = new SlowStartRule({
      windowMs: 60_000,
      rule: new RandomRule({ random: seededRandom(5) }),
      random: seededRandom(6),
    });
    const share = (now: number): number => (tally(8000, () => rule.choose(fleet, ctx.at(now))).new ?? 0) / 8000;
    // Full share would be 25%; at the floor it is about 10% of that.
    expect(share(0)).toBeLessThan(0.05);
    expect(share(30_000)).toBeGreaterThan(0.1);
    expect(share(30_000)).toBeLessThan(0.2);
    expect(share(60_000)).toBeGreaterThan(0.22);
  });
});
