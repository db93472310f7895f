import { describe, expect, it } from "vitest";
import { isLocalLag, LOCAL_LAG_THRESHOLD_MS, markTimerLate, timerLateMsOf } from "./local-lag.js";

describe("the local-lag rule", () => {
  it("is local lag only strictly beyond the threshold, and never when the lateness is unknown", () => {
    expect(isLocalLag(LOCAL_LAG_THRESHOLD_MS + 1, LOCAL_LAG_THRESHOLD_MS)).toBe(true);
    expect(isLocalLag(LOCAL_LAG_THRESHOLD_MS, LOCAL_LAG_THRESHOLD_MS)).toBe(false);
    expect(isLocalLag(undefined, 0)).toBe(false);
  });

  it("carries a timer's lateness on its error, and leaves frozen or primitive errors alone", () => {
    const error = markTimerLate(new Error("timeout"), 250);
    expect(timerLateMsOf(error)).toBe(250);
    expect(timerLateMsOf(new Error("other"))).toBeUndefined();
    expect(timerLateMsOf(markTimerLate(Object.freeze(new Error("frozen")), 9))).toBeUndefined();
    expect(timerLateMsOf(markTimerLate("text", 9))).toBeUndefined();
  });
});
