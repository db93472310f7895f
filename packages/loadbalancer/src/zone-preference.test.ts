import { describe, expect, it } from "vitest";
import { RoundRobinRule } from "./round-robin.js";
import { ruleContext, tally, zoned } from "./test-support.js";
import { ZonePreferenceRule } from "./zone-preference.js";

describe("ZonePreferenceRule", () => {
  const fleet = [zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b"), zoned("b2", "b")];
  const rule = () => new ZonePreferenceRule({ zone: "a", rule: new RoundRobinRule({ random: () => 0 }) });

  it("sends everything to the local zone while it is healthy", () => {
    const r = rule();
    expect(tally(10, () => r.choose(fleet, ruleContext(fleet)))).toEqual({ a1: 5, a2: 5 });
  });

  it("falls back to all zones when too few local instances are healthy", () => {
    const r = rule();
    const candidates = fleet.filter((i) => i.id !== "a1"); // a1 ejected: one of two local left, below minHealthy 2
    const strict = new ZonePreferenceRule({ zone: "a", minHealthy: 2, rule: new RoundRobinRule({ random: () => 0 }) });
    expect(Object.keys(tally(6, () => strict.choose(candidates, ruleContext(fleet)))).sort()).toEqual([
      "a2",
      "b1",
      "b2",
    ]);
    // With the default (half the zone healthy is enough) it stays local.
    expect(tally(4, () => r.choose(candidates, ruleContext(fleet)))).toEqual({ a2: 4 });
  });

  it("fails over when the local zone is gone", () => {
    const r = rule();
    const remote = fleet.filter((i) => i.zone === "b");
    expect(tally(4, () => r.choose(remote, ruleContext(remote)))).toEqual({ b1: 2, b2: 2 });
  });
});
