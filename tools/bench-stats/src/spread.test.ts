import { describe, expect, it } from "vitest";
import { addedOver, ratio, spreadOf } from "./spread.js";

describe("spread of repetitions", () => {
  it("takes the median of odd and even counts and ignores non-numbers", () => {
    expect(spreadOf([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(spreadOf([4, 1, 3, 2, Number.NaN]).median).toBe(2.5);
    expect(spreadOf([]).median).toBeNaN();
  });

  it("pairs interleaved repetitions for added latency", () => {
    expect(addedOver([3, 5, 4], [1, 4, 1]).median).toBe(2);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(1, 4)).toBe(0.25);
  });
});
