import { describe, expect, it } from "vitest";
import { steadySlots } from "./steady-slots.js";
import { VARIANTS, type VariantName } from "./variant-names.js";

describe("steady slots", () => {
  it("puts sdk-undici in one window with its goal's sidecar below the paired rate, at the first one's place", () => {
    expect(steadySlots(VARIANTS, 300, 1_000)).toEqual([
      ["direct"],
      ["direct-undici"],
      ["sdk"],
      ["sdk-undici", "haproxy-http-undici"],
      ["haproxy-http"],
      ["haproxy-tcp"],
    ]);
    const rotated: VariantName[] = [
      "haproxy-http-undici",
      "haproxy-tcp",
      "direct",
      "sdk-undici",
      "haproxy-http",
      "sdk",
    ];
    expect(steadySlots(rotated, 100, 1_000)).toEqual([
      ["haproxy-http-undici", "sdk-undici"],
      ["haproxy-tcp"],
      ["direct"],
      ["haproxy-http"],
      ["sdk"],
    ]);
  });

  it("leaves the axios pair in windows of their own (together they keep the client core ~75% busy at 300/s)", () => {
    expect(steadySlots(["sdk", "haproxy-http"], 100, 1_000)).toEqual([["sdk"], ["haproxy-http"]]);
    // Unless asked (`--paired=sdk,sdk-undici`), as run 2026-12-01-paired-1 did.
    expect(steadySlots(["sdk", "haproxy-http"], 100, 1_000, ["sdk", "sdk-undici"])).toEqual([["sdk", "haproxy-http"]]);
  });

  it("gives every variant a window of its own at and above the paired rate, and everywhere with 0", () => {
    expect(steadySlots(VARIANTS, 1_000, 1_000)).toEqual(VARIANTS.map((v) => [v]));
    expect(steadySlots(VARIANTS, 100, 0)).toEqual(VARIANTS.map((v) => [v]));
  });

  it("leaves a variant alone when its partner is not in the round (skipped, or not selected)", () => {
    expect(steadySlots(["direct-undici", "sdk-undici", "sdk-axios-http"], 100, 1_000)).toEqual([
      ["direct-undici"],
      ["sdk-undici"],
      ["sdk-axios-http"],
    ]);
  });
});
