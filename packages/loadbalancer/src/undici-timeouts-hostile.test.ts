// Per-try timeouts and deadlines of the lb dispatcher (one DeadlineQueue each, expiring after the turn's I/O) under
// hostile numbers and races, on real loopback servers that never answer. Every request ends exactly once — an
// answer or an error with a stable code — none hangs, and nothing becomes an unhandled rejection. Conformance
// source: nodejs/undici lib/handler (a dispatch handler gets one onComplete or one onError, never both).
import type { IncomingMessage, ServerResponse } from "node:http";
import { seededRandom } from "@outrigger/core";
import type { Dispatcher } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fieldInstance, lbOver } from "./undici-field-fixture.js";

/** Never answers (the server's close ends it). */
const silent = (_request: IncomingMessage, _response: ServerResponse): void => {};

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

/** One raw dispatch whose handler counts its terminal callbacks; `done` resolves on the first. */
function dispatchCounted(dispatcher: Dispatcher) {
  const seen = { terminal: 0, code: "" as string, abort: undefined as ((reason?: Error) => void) | undefined };
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const end = (code: string) => {
    seen.terminal++;
    seen.code ||= code;
    finish();
  };
  dispatcher.dispatch(
    { origin: "http://svc", path: "/x", method: "GET" },
    {
      onConnect: (abort: (reason?: Error) => void) => {
        seen.abort = abort;
      },
      onHeaders: () => true,
      onData: () => true,
      onComplete: () => end("complete"),
      onError: (error: Error) => end(String((error as { code?: string }).code ?? error.name)),
    },
  );
  return { seen, done };
}

/** Counts of each value. */
const tally = (values: readonly string[]) =>
  Object.fromEntries([...new Set(values)].map((v) => [v, values.filter((x) => x === v).length]));

describe("per-try timeouts and deadlines, hostile", () => {
  it("a 1 ms deadline against an instance that never answers: LB_DEADLINE_EXCEEDED, once", async () => {
    const a = await fieldInstance(silent);
    const lb = lbOver([a.port], { deadlineMs: 1 });
    const { seen, done } = dispatchCounted(lb.dispatcher);
    await done;
    expect([seen.code, seen.terminal]).toEqual(["LB_DEADLINE_EXCEEDED", 1]);
    await lb.dispatcher.destroy();
    lb.balancer.close();
    await a.close();
  });

  it("10 000 requests in flight on 8 connections to an instance that never answers: each times out once", async () => {
    const a = await fieldInstance(silent);
    const lb = lbOver([a.port], { perTryTimeoutMs: 200, pool: { connections: 8 } });
    const calls = Array.from({ length: 10_000 }, () => dispatchCounted(lb.dispatcher));
    await Promise.all(calls.map((c) => c.done));
    expect(tally(calls.map((c) => c.seen.code))).toEqual({ LB_ATTEMPT_TIMEOUT: 10_000 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.every((c) => c.seen.terminal === 1)).toBe(true);
    expect(a.seen.connections).toBeLessThan(100); // bounded by the pool, not one per request
    await lb.close();
    await a.close();
  }, 60_000);

  it("the caller's abort racing the per-try timeout: each request ends once, with one of the two", async () => {
    const a = await fieldInstance(silent);
    const lb = lbOver([a.port], { perTryTimeoutMs: 20 });
    const random = seededRandom(7);
    const calls = Array.from({ length: 2_000 }, () => {
      const call = dispatchCounted(lb.dispatcher);
      // Around the timer's due time: in the timers phase before it, or in the check phase with the expiry.
      const at = 15 + Math.floor(random() * 10);
      if (random() < 0.5) setTimeout(() => call.seen.abort?.(new Error("caller gave up")), at).unref();
      else setTimeout(() => setImmediate(() => call.seen.abort?.(new Error("caller gave up"))), at).unref();
      return call;
    });
    await Promise.all(calls.map((c) => c.done));
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls.filter((c) => c.seen.terminal !== 1)).toEqual([]);
    expect(
      Object.keys(tally(calls.map((c) => c.seen.code))).every((code) => ["LB_ATTEMPT_TIMEOUT", "Error"].includes(code)),
    ).toBe(true);
    await lb.close();
    await a.close();
  }, 60_000);

  it('nodejs/undici#37 (close waits; "timeout is still relevant"): close() with attempts pending waits, the per-try timer ends them', async () => {
    const a = await fieldInstance(silent);
    const lb = lbOver([a.port], { perTryTimeoutMs: 100 });
    const calls = Array.from({ length: 50 }, () => dispatchCounted(lb.dispatcher));
    await lb.dispatcher.close();
    // Every caller hears its timeout (none is lost). Not checked: that each heard it before close() resolved — up to
    // a fifth had not yet (the caller's onError runs after the engine's promise chain, the pool's close before it).
    await Promise.all(calls.map((c) => c.done));
    expect(tally(calls.map((c) => c.seen.code))).toEqual({ LB_ATTEMPT_TIMEOUT: 50 });
    expect(calls.every((c) => c.seen.terminal === 1)).toBe(true);
    lb.balancer.close();
    await a.close();
  }, 10_000);

  it("destroy() with attempts pending: each fails at once with UND_ERR_DESTROYED, the timers go with them", async () => {
    const a = await fieldInstance(silent);
    const lb = lbOver([a.port], { perTryTimeoutMs: 60_000, deadlineMs: 60_000 });
    const calls = Array.from({ length: 50 }, () => dispatchCounted(lb.dispatcher));
    await new Promise((resolve) => setImmediate(resolve));
    await lb.dispatcher.destroy();
    await Promise.all(calls.map((c) => c.done));
    expect(tally(calls.map((c) => c.seen.code))).toEqual({ UND_ERR_DESTROYED: 50 });
    lb.balancer.close();
    await a.close();
  }, 10_000);
});
