import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { describeCall } from "@outrigger/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AttemptEndMessage,
  type AttemptMessage,
  endAttemptOf,
  type TracedAttemptOwner,
  traceAttemptOf,
  traceCall,
} from "./channels.js";
import { instance } from "./test-support.js";

describe("traceAttemptOf / endAttemptOf", () => {
  const started: AttemptMessage[] = [];
  const ended: AttemptEndMessage[] = [];
  const onStart = (m: unknown) => started.push(m as AttemptMessage);
  const onEnd = (m: unknown) => ended.push(m as AttemptEndMessage);
  const onCall = () => undefined;
  beforeAll(() => {
    subscribe("outrigger:lb:call:start", onCall);
    subscribe("outrigger:lb:attempt:start", onStart);
    subscribe("outrigger:lb:attempt:end", onEnd);
  });
  afterAll(() => {
    unsubscribe("outrigger:lb:call:start", onCall);
    unsubscribe("outrigger:lb:attempt:start", onStart);
    unsubscribe("outrigger:lb:attempt:end", onEnd);
  });

  it("carries the attempt's message on its owner from start to end, and publishes the end once", () => {
    const call = traceCall("svc", "get", "/x", describeCall({ method: "GET" }));
    const owner: TracedAttemptOwner = { traced: undefined };
    const message = traceAttemptOf(owner, call, instance("svc-1", "UP", 8080), "/x");

    expect(message).toBe(started[0]);
    // On the owner itself: no side table keyed by it (a WeakMap entry per attempt before).
    expect(owner.traced).toBe(message);
    endAttemptOf(owner, undefined, 200);
    endAttemptOf(owner, new Error("late"), 502);

    expect(ended).toEqual([{ attempt: message, status: 200, error: undefined }]);
    expect(owner.traced).toBeUndefined();
  });
});
