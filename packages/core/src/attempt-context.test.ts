import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { attemptContext, callOf, describeCall, signalOf } from "./attempt-context.js";
import { followAbort, neverAborted } from "./follow-abort.js";
import { LazyAbort } from "./lazy-abort.js";

describe("describeCall", () => {
  it("derives idempotency from the method (RFC 9110 §9.2.2) unless declared", () => {
    expect(describeCall({ method: "put" })).toMatchObject({ method: "PUT", idempotent: true, replayable: true });
    expect(describeCall({ method: "POST" }).idempotent).toBe(false);
    expect(describeCall({ method: "POST", idempotent: true }).idempotent).toBe(true);
    expect(describeCall().idempotent).toBe(false);
  });

  it("carries the destination service to every attempt, however deep, so subscribers need no map from call to service", () => {
    const call = describeCall({ method: "GET", service: "orders" });
    const inner = attemptContext(attemptContext(call, neverAborted, 0), neverAborted, 1);
    expect(call.service).toBe("orders");
    expect(inner.service).toBe("orders");
    expect(callOf(inner).service).toBe("orders");
    expect(describeCall().service).toBeUndefined();
  });
});

describe("attempt contexts and signals", () => {
  it("makes a signal only when one is read, and hands none on through signalOf", () => {
    const context = attemptContext(describeCall(), neverAborted, 0);
    expect(signalOf(context)).toBeUndefined();
    const signal = context.signal;
    expect(signal).not.toBe(neverAborted);
    expect(signalOf(context)).toBe(signal);
  });

  it("hands on an attempt a layer does not change; another number, signal or cancellation makes a new one", () => {
    const call = describeCall({ method: "GET" });
    const first = attemptContext(call, neverAborted, 0);
    expect(attemptContext(first, neverAborted, 0)).toBe(first);
    expect(attemptContext(first, undefined, 0)).toBe(first);
    expect(attemptContext(first, neverAborted, 1)).not.toBe(first);
    const caller = new AbortController();
    const under = attemptContext(first, caller.signal, 0);
    expect(under).not.toBe(first);
    expect(attemptContext(under, caller.signal, 0)).toBe(under);
    expect(attemptContext(under, neverAborted, 0)).not.toBe(under);
    const lazy = new LazyAbort();
    const cancellable = attemptContext(first, lazy, 0);
    expect(attemptContext(cancellable, lazy, 0)).toBe(cancellable);
    // A layer given the cancellation's real signal (compose reads it through signalOf) keeps its own context.
    expect(attemptContext(cancellable, lazy.signal, 0)).not.toBe(cancellable);
    expect(callOf(attemptContext(cancellable, lazy, 0))).toBe(call);
  });

  it("followAbort: 100 followers put one listener on the signal, all are called, none is left after", () => {
    const caller = new AbortController();
    const called: number[] = [];
    const stops = Array.from({ length: 100 }, (_, i) => followAbort(caller.signal, () => called.push(i)));
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(1);
    for (const stop of stops.slice(0, 50)) stop();
    caller.abort();
    expect(called).toHaveLength(50);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("followAbort: the listener leaves the signal when the last follower stops", () => {
    const caller = new AbortController();
    const stops = [followAbort(caller.signal, () => {}), followAbort(caller.signal, () => {})];
    for (const stop of stops) stop();
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    followAbort(caller.signal, () => {})();
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });
});
