import { afterEach, describe, expect, it, vi } from "vitest";
import { createDebouncer } from "./debounce.js";

afterEach(() => vi.useRealTimers());

describe("createDebouncer", () => {
  it("runs once, waitMs after the last trigger", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const debouncer = createDebouncer(100, fn, 1_000);
    for (let i = 0; i < 5; i++) {
      debouncer.trigger();
      vi.advanceTimersByTime(50);
    }
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(50);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("a file rewritten every 50 ms (under the 100 ms debounce) still reloads every maxWaitMs, not never", () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const debouncer = createDebouncer(100, fn, 1_000);
    // Ten seconds of events every 50 ms: a pure trailing-edge debounce would wait for ever.
    for (let t = 0; t < 10_000; t += 50) {
      debouncer.trigger();
      vi.advanceTimersByTime(50);
    }
    expect(fn).toHaveBeenCalledTimes(10);
    debouncer.cancel();
    vi.advanceTimersByTime(5_000);
    expect(fn).toHaveBeenCalledTimes(10);
  });
});
