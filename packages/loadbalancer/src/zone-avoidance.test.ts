import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { RoundRobinRule } from "./round-robin.js";
import { ruleContext, tally, zoned } from "./test-support.js";
import { ZoneAvoidanceRule } from "./zone-avoidance.js";

describe("ZoneAvoidanceRule", () => {
  const fleet = [zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b"), zoned("b2", "b")];
  const rule = () => new ZoneAvoidanceRule({ rule: new RoundRobinRule({ random: () => 0 }), random: seededRandom(1) });

  it("uses every zone while none is loaded past the trigger", () => {
    const r = rule();
    expect(Object.keys(tally(4, () => r.choose(fleet, ruleContext(fleet)))).sort()).toEqual(["a1", "a2", "b1", "b2"]);
  });

  it("drops the busiest zone once its load per instance reaches the trigger", () => {
    const ctx = ruleContext(fleet);
    ctx.mut("a1").active = 2;
    ctx.mut("a2").active = 1;
    const r = rule();
    expect(Object.keys(tally(10, () => r.choose(fleet, ctx))).sort()).toEqual(["b1", "b2"]);
  });

  it("drops a zone whose instances are all ejected", () => {
    const ctx = ruleContext(fleet, { now: 5 });
    ctx.ejected.add("b1");
    ctx.ejected.add("b2");
    const r = rule();
    expect(Object.keys(tally(10, () => r.choose(fleet, ctx))).sort()).toEqual(["a1", "a2"]);
  });
});
