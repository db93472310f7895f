import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { RandomRule } from "./random-rule.js";
import { instance, tally } from "./test-support.js";

describe("RandomRule", () => {
  const three = [instance("a"), instance("b"), instance("c")];

  it("never indexes out of range, even when the source returns 1 (Ribbon's fault)", () => {
    expect(new RandomRule({ random: () => 1 }).choose(three).id).toBe("c");
    expect(new RandomRule({ random: () => 0 }).choose(three).id).toBe("a");
  });

  it("spreads evenly with a seeded source", () => {
    const rule = new RandomRule({ random: seededRandom(7) });
    const counts = tally(3000, () => rule.choose(three));
    for (const id of ["a", "b", "c"]) expect(counts[id]).toBeGreaterThan(900);
  });
});
