import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AttemptSignal, timeoutQueue } from "./attempt-signal.js";

describe("AttemptSignal", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const late = () => new Error("late");
  // Made under the fake clock (vitest fakes performance.now and setImmediate too): the queue reads the faked time.
  const perTry = () => timeoutQueue(100);

  it("aborts when the per-try time is up, as a timeout, with the reason and an abort event for listeners", () => {
    const signal = new AttemptSignal(perTry(), late, undefined);
    const heard: unknown[] = [];
    signal.addEventListener("abort", (event) => heard.push(event));
    vi.advanceTimersByTime(99);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal).toMatchObject({ aborted: true, timedOut: true, reason: new Error("late") });
    expect(heard).toEqual([{ type: "abort" }]);
  });

  it("follows the request's signal, and is not a timeout then", () => {
    const request = new AbortController();
    const signal = new AttemptSignal(perTry(), late, request.signal);
    request.abort(new Error("caller left"));
    expect(signal).toMatchObject({ aborted: true, timedOut: false, reason: new Error("caller left") });
    vi.advanceTimersByTime(100);
    expect(signal.timedOut).toBe(false);
  });

  it("starts aborted when the request's signal already is", () => {
    const request = new AbortController();
    request.abort("gone");
    expect(new AttemptSignal(perTry(), late, request.signal)).toMatchObject({ aborted: true, reason: "gone" });
  });

  it("after dispose neither the timer nor the request's signal aborts it, and removed listeners are not called", () => {
    const request = new AbortController();
    const signal = new AttemptSignal(perTry(), late, request.signal);
    const heard: unknown[] = [];
    const listener = (event: unknown) => heard.push(event);
    signal.addEventListener("abort", listener);
    signal.removeEventListener("abort", listener);
    signal.dispose();
    request.abort();
    vi.advanceTimersByTime(100);
    expect(signal.aborted).toBe(false);
    expect(heard).toEqual([]);
  });
});
