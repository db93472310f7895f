import { describe, expect, it } from "vitest";
import { LabelPairs } from "./label-pairs.js";
import { MAX_SERIES } from "./series-by-labels.js";

describe("LabelPairs", () => {
  it("hands out one attribute object per (service, value), so a sink finds its series by identity", () => {
    const pairs = new LabelPairs("outrigger.retry.reason");
    const first = pairs.of("orders", "status");
    expect(first).toEqual({ "outrigger.service": "orders", "outrigger.retry.reason": "status" });
    expect(pairs.of("orders", "status")).toBe(first);
    expect(pairs.of("orders", "connect")).not.toBe(first);
    expect(new LabelPairs(undefined).of("orders")).toEqual({ "outrigger.service": "orders" });
  });

  it("keeps at most MAX_SERIES pairs: past them each object is made afresh (still correct, never cached)", () => {
    const pairs = new LabelPairs("outcome");
    for (let i = 0; i < MAX_SERIES; i++) pairs.of(`svc-${i}`, "success");
    const late = pairs.of("late", "success");
    expect(late).toEqual({ "outrigger.service": "late", outcome: "success" });
    expect(pairs.of("late", "success")).not.toBe(late);
    expect(pairs.of("svc-0", "success")).toBe(pairs.of("svc-0", "success"));
  });
});
