import { RULE_NAMES, type RuleName } from "@outrigger/core";
import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, expectTypeOf, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { P2cRule } from "./p2c.js";
import { RoundRobinRule } from "./round-robin.js";
import { type RuleSpec, ruleFromSpec } from "./rule-spec.js";
import { SlowStartRule } from "./slow-start.js";
import { instance } from "./test-support.js";
import { ZonePreferenceRule } from "./zone-preference.js";

describe("ruleFromSpec", () => {
  it("builds a rule for every name of @outrigger/core's RULE_NAMES, the one list", () => {
    // The settings a name cannot go without; every other rule builds from its name alone.
    const required: Partial<Record<RuleName, object>> = {
      "zone-preference": { zone: "a" },
      "slow-start": { windowMs: 1 },
    };
    for (const name of RULE_NAMES) {
      expect(typeof ruleFromSpec({ name, ...required[name] } as RuleSpec).choose, name).toBe("function");
    }
    expectTypeOf<RuleSpec["name"]>().toEqualTypeOf<RuleName>();
  });

  it("builds every named rule, wrapping rules with their inner spec", () => {
    const specs: RuleSpec[] = [
      { name: "round-robin" },
      { name: "random" },
      { name: "p2c-least-request" },
      { name: "p2c-peak-ewma", tieTolerance: 0.2 },
      { name: "weighted-response-time" },
      { name: "best-available" },
      { name: "consistent-hash", pointsPerInstance: 40 },
      { name: "static-weight", metadataKey: "w" },
      { name: "availability-filtering", activeLimit: 10, rule: { name: "p2c-least-request" } },
      { name: "zone-avoidance", trippedShare: 0.5 },
      { name: "zone-preference", zone: "a", rule: { name: "p2c-peak-ewma" } },
      { name: "slow-start", windowMs: 30_000, rule: { name: "round-robin" } },
    ];
    for (const spec of specs) expect(typeof ruleFromSpec(spec).choose).toBe("function");
    expect(ruleFromSpec({ name: "p2c-peak-ewma" })).toBeInstanceOf(P2cRule);
    expect(ruleFromSpec({ name: "zone-preference", zone: "a" })).toBeInstanceOf(ZonePreferenceRule);
    expect(ruleFromSpec({ name: "slow-start", windowMs: 1 })).toBeInstanceOf(SlowStartRule);
  });

  it.each([
    [{ name: "fastest" }, "rule.name must be one of"],
    [{ name: "round-robin", tieTolerance: 1 }, 'rule.tieTolerance is not a setting of rule "round-robin"'],
    [{ name: "slow-start" }, "rule.windowMs must be a finite number"],
    [{ name: "slow-start", windowMs: -5 }, "rule.windowMs must be a finite number ≥ 1, got -5"],
    [{ name: "zone-preference" }, "rule.zone must be a non-empty string"],
    [{ name: "consistent-hash", pointsPerInstance: 1.5 }, "rule.pointsPerInstance must be a finite integer"],
    [{ name: "zone-avoidance", rule: { name: "p2c" } }, "rule.rule.name must be one of"],
    ["p2c-peak-ewma", "rule must be an object"],
  ])("refuses %j with LB_INVALID_OPTION naming the field", (spec, message) => {
    expect(() => ruleFromSpec(spec as RuleSpec)).toThrowError(
      expect.objectContaining({ code: "LB_INVALID_OPTION", message: expect.stringContaining(message) }),
    );
  });
});

describe("balancer.setRule", () => {
  it("swaps the rule live and keeps per-instance stats and ejections", () => {
    let now = 0;
    const balancer = createBalancer({
      instancer: new FixedInstancer(["a", "b", "c", "d"].map((id) => instance(id))),
      rule: new RoundRobinRule({ random: () => 0 }),
      outlierDetection: { consecutive5xx: 2 },
      clock: { now: () => now },
    });
    for (let i = 0; i < 8; i++) {
      const pick = balancer.pick();
      const bad = pick.instance.id === "a";
      pick.done(bad ? { kind: "failure", reason: "status", status: 503, rttMs: 5 } : { kind: "success", rttMs: 40 });
    }
    const held = balancer.pick({ avoid: new Set(["b", "c"]) }); // one request in flight on d
    expect(held.instance.id).toBe("d");
    expect(balancer.stats("a")).toMatchObject({ ejected: true, ejections: 1 });
    const before = balancer.stats("b");

    balancer.setRule({ name: "p2c-least-request" });
    now = 1;
    expect(balancer.stats("a")).toMatchObject({ ejected: true, ejections: 1 });
    expect(balancer.stats("b")?.averageRttMs).toBe(before?.averageRttMs);
    expect(balancer.stats("d")?.active).toBe(1);
    // The new rule sees the same state: a stays out, d (one in flight) loses every comparison.
    const picks = Array.from({ length: 30 }, () => {
      const pick = balancer.pick();
      pick.done({ kind: "success", rttMs: 40 });
      return pick.instance.id;
    });
    expect(picks).not.toContain("a");
    expect(picks).not.toContain("d");
    expect(() => balancer.setRule({ name: "nope" } as unknown as RuleSpec)).toThrowError(
      expect.objectContaining({ code: "LB_INVALID_OPTION" }),
    );
    held.done({ kind: "success", rttMs: 40 });
  });

  it("takes a spec at creation too", () => {
    const balancer = createBalancer({
      instancer: new FixedInstancer([
        { ...instance("a"), zone: "z1" },
        { ...instance("b"), zone: "z2" },
      ]),
      rule: { name: "zone-preference", zone: "z2" },
    });
    expect(new Set(Array.from({ length: 6 }, () => balancer.pick().instance.id))).toEqual(new Set(["b"]));
  });
});
