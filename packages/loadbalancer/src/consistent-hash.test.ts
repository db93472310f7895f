import type { ServiceInstance } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { ConsistentHashRule } from "./consistent-hash.js";
import { instance, ruleContext } from "./test-support.js";

describe("ConsistentHashRule", () => {
  const fleet = (n: number): ServiceInstance[] => Array.from({ length: n }, (_, i) => instance(`i${i}`));
  const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const owners = (rule: ConsistentHashRule, list: ServiceInstance[]): string[] =>
    keys.map((key) => rule.choose(list, ruleContext(list, { key })).id);

  it("sends the same key to the same instance, and spreads keys fairly", () => {
    const rule = new ConsistentHashRule();
    const ten = fleet(10);
    const first = owners(rule, ten);
    expect(owners(rule, ten)).toEqual(first);
    const counts = new Map<string, number>();
    for (const id of first) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const c of counts.values()) expect(c).toBeGreaterThan(600); // fair share 1000
  });

  it("moves only about 1/n of the keys when an instance joins or leaves", () => {
    const rule = new ConsistentHashRule();
    const before = owners(rule, fleet(10));
    const joined = owners(rule, fleet(11));
    const movedOnJoin = before.filter((id, k) => joined[k] !== id);
    // Ideal: 1/11 ≈ 9.1% move, all of them to the new instance. A modulo hash would move ~91%.
    expect(movedOnJoin.length / keys.length).toBeLessThan(0.14);
    expect(keys.filter((_, k) => joined[k] !== before[k] && joined[k] !== "i10")).toEqual([]);
    const left = owners(
      rule,
      fleet(10).filter((i) => i.id !== "i3"),
    );
    expect(keys.filter((_, k) => left[k] !== before[k] && before[k] !== "i3")).toEqual([]);
  });

  it("without a key, picks at random", () => {
    const rule = new ConsistentHashRule({ random: () => 0.5 });
    const list = fleet(4);
    expect(rule.choose(list, ruleContext(list)).id).toBe("i2");
  });
});
