import { describeCall, unknownCall } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { CallState } from "./call-state.js";

describe("CallState (a subscriber's state kept on the call's context)", () => {
  it("keeps each instance's state apart on one context, until cleared", () => {
    const call = describeCall({ method: "GET", service: "orders" });
    const tracer = new CallState<{ n: number }>("tracer");
    const other = new CallState<{ n: number }>("other");
    tracer.set(call, { n: 1 });
    expect(tracer.get(call)).toEqual({ n: 1 });
    expect(other.get(call)).toBeUndefined();
    other.set(call, { n: 2 });
    expect(tracer.get(call)).toEqual({ n: 1 });
    tracer.clear(call);
    expect(tracer.get(call)).toBeUndefined();
    expect(other.get(call)).toEqual({ n: 2 });
  });

  it("leaves what the context shows unchanged: no key in Object.keys, for…in or JSON", () => {
    const call = describeCall({ method: "POST", service: "orders" });
    const keys = Object.keys(call);
    const json = JSON.stringify(call);
    new CallState<object>("tracer").set(call, {});
    expect(Object.keys(call)).toEqual(keys);
    expect(JSON.stringify(call)).toBe(json);
    const seen: string[] = [];
    for (const key in call) seen.push(key);
    expect(seen).toEqual(keys);
  });

  it("keeps the state of a frozen context (core's unknownCall) beside it instead of failing", () => {
    const state = new CallState<{ n: number }>("tracer");
    expect(Object.isFrozen(unknownCall)).toBe(true);
    state.set(unknownCall, { n: 3 });
    expect(state.get(unknownCall)).toEqual({ n: 3 });
    state.clear(unknownCall);
    expect(state.get(unknownCall)).toBeUndefined();
  });
});
