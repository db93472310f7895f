import { describe, expect, it } from "vitest";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";

describe("RoundRobinRule", () => {
  const three = [instance("a"), instance("b"), instance("c")];

  it("takes candidates in turn from a random start", () => {
    const rule = new RoundRobinRule({ random: () => 0.1 / 1_000_000 }); // start index 0
    expect([1, 2, 3, 4].map(() => rule.choose(three).id)).toEqual(["a", "b", "c", "a"]);
    const late = new RoundRobinRule({ random: () => 2 / 1_000_000 });
    expect(late.choose(three).id).toBe("c");
  });

  it("never indexes out of range when the list shrinks between picks (Ribbon's fault)", () => {
    const rule = new RoundRobinRule({ random: () => 0.999 });
    for (let n = 5; n >= 1; n--) {
      const list = three.concat(three).slice(0, n);
      expect(list).toContain(rule.choose(list));
    }
  });
});
