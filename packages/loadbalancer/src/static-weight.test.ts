import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { StaticWeightRule, staticWeight } from "./static-weight.js";
import { instance, tally } from "./test-support.js";

describe("StaticWeightRule", () => {
  const big = { ...instance("big"), metadata: { weight: "3" } };
  const small = instance("small");
  const typed = { ...instance("typed"), weight: 5, metadata: { weight: "1" } };

  it("reads the weight field, then metadata, else 1; bad values count as 1", () => {
    expect(staticWeight(typed)).toBe(5);
    expect(staticWeight(big)).toBe(3);
    expect(staticWeight(small)).toBe(1);
    expect(staticWeight({ ...small, metadata: { weight: "lots" } })).toBe(1);
    expect(staticWeight({ ...small, metadata: { weight: "0" } })).toBe(0);
  });

  it("sends traffic in proportion to weight", () => {
    const rule = new StaticWeightRule({ random: seededRandom(11) });
    const counts = tally(8000, () => rule.choose([big, small]));
    expect((counts.big ?? 0) / 8000).toBeCloseTo(0.75, 1);
  });
});
