import { afterEach, describe, expect, it, vi } from "vitest";
import { clampTimerDelay, MAX_TIMER_DELAY_MS, setLongTimeout } from "./timer.js";

describe("setLongTimeout", () => {
  afterEach(() => vi.useRealTimers());

  it("fires a 600 h delay after 600 h, not at once as setTimeout would", () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const hours600 = 600 * 3_600_000;
    setLongTimeout(fired, hours600);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(hours600 - MAX_TIMER_DELAY_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("can be cancelled between hops", () => {
    vi.useFakeTimers();
    const fired = vi.fn();
    const timer = setLongTimeout(fired, MAX_TIMER_DELAY_MS * 2);
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS + 5);
    timer.dispose();
    vi.advanceTimersByTime(MAX_TIMER_DELAY_MS * 2);
    expect(fired).not.toHaveBeenCalled();
  });

  it("refuses negative and non-finite delays", () => {
    expect(() => setLongTimeout(() => {}, -1)).toThrow(RangeError);
    expect(() => setLongTimeout(() => {}, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it("clamps a delay to what setTimeout honours", () => {
    expect(clampTimerDelay(1e12)).toBe(MAX_TIMER_DELAY_MS);
    expect(clampTimerDelay(Number.NaN)).toBe(0);
    expect(clampTimerDelay(-5)).toBe(0);
    expect(clampTimerDelay(250)).toBe(250);
  });
});
