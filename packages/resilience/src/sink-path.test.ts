// A composition of this package's retry, breaker, bulkhead and timeout runs a call into a sink (core's RUN_INTO) —
// the path the lb undici dispatcher takes: a call that succeeds at once makes no promise, a failed one still goes to
// the retry engine, a timeout still fires, and every guard still admits and records. `execute` is the same layers
// with one promise around them; the other tests of this package run it.
import { createHook } from "node:async_hooks";
import { type AttemptContext, describeCall, runnerOf, runOn, type Settles, type SinkTask } from "@outrigger/core";
import { CircuitState } from "cockatiel";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { createHedgePolicy } from "./hedge.js";
import { LivePolicy } from "./live-policy.js";
import type { Policy } from "./policy.js";
import { createRetryPolicy } from "./retry.js";
import { createTimeoutPolicy } from "./timeout.js";

const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
const get = describeCall({ method: "GET" });

/** A sink that records every outcome it hears (it must hear one); `heard` settles on the first. */
function recording(): Settles<string> & { outcomes: Array<["value" | "error", unknown]>; heard: Promise<void> } {
  const outcomes: Array<["value" | "error", unknown]> = [];
  let told: () => void = () => undefined;
  const heard = new Promise<void>((resolve) => (told = resolve));
  return {
    outcomes,
    heard,
    resolve: (value) => {
      outcomes.push(["value", value]);
      told();
    },
    reject: (error) => {
      outcomes.push(["error", error]);
      told();
    },
  };
}

/** Promises made while `run` runs synchronously. */
function promisesDuring(run: () => void): number {
  let made = 0;
  const hook = createHook({
    init: (_id, type) => {
      if (type === "PROMISE") made++;
    },
  });
  hook.enable();
  try {
    run();
  } finally {
    hook.disable();
  }
  return made;
}

function parts() {
  const retry = createRetryPolicy({ maxAttempts: 3, backoff: "none" });
  const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 2 }, halfOpenAfterMs: 60_000 });
  const bulkhead = createBulkheadPolicy({ maxConcurrent: 4, maxQueue: 0 });
  const timeout = createTimeoutPolicy({ ms: 1_000 });
  return { retry, breaker, bulkhead, timeout, policy: composePolicies(retry, breaker, bulkhead, timeout) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("a composition run into a sink", () => {
  it("makes no promise for a call that succeeds at once, and hears its value once", () => {
    const { policy, bulkhead } = parts();
    const sink = recording();
    let slotsDuring = -1;
    const made = promisesDuring(() =>
      runOn(
        policy,
        (_context, into) => {
          slotsDuring = bulkhead.executionSlots;
          into.resolve("ok");
        },
        sink,
        undefined,
        get,
      ),
    );
    expect(made).toBe(0);
    expect(slotsDuring).toBe(3); // the bulkhead admitted the call…
    expect(bulkhead.executionSlots).toBe(4); // …and gave its slot back
    expect(sink.outcomes).toEqual([["value", "ok"]]);
  });

  it("hands a failed first attempt to the retry engine in a later microtask, and the retry's value to the sink", async () => {
    const { policy, retry, breaker } = parts();
    const retried: number[] = [];
    retry.onRetry((event) => retried.push(event.attempt));
    const sink = recording();
    let attempts = 0;
    const task: SinkTask<string> = (_context, into) => {
      attempts++;
      if (attempts === 1) {
        into.reject(refused());
        // Not started from within the failure's report: a retry without backoff must not re-enter its caller.
        expect(attempts).toBe(1);
        return;
      }
      into.resolve("second");
    };
    runOn(policy, task, sink, undefined, get);
    expect(sink.outcomes).toEqual([]);
    await sink.heard;
    expect(sink.outcomes).toEqual([["value", "second"]]);
    expect(attempts).toBe(2);
    expect(retried).toEqual([1]);
    expect(breaker.state).toBe(CircuitState.Closed); // one failure, then a success
  });

  it("times an attempt out, tells the sink once, and drops the attempt's late answer", async () => {
    vi.useFakeTimers();
    const timeout = createTimeoutPolicy({ ms: 50 });
    const breaker = createCircuitBreaker({ mode: { kind: "consecutive", threshold: 1 }, halfOpenAfterMs: 60_000 });
    const policy = composePolicies(breaker, timeout);
    const sink = recording();
    let late: Settles<string> | undefined;
    let aborted: unknown;
    runOn(
      policy,
      (context, into) => {
        late = into;
        context.signal.addEventListener("abort", () => (aborted = context.signal.reason));
      },
      sink,
      undefined,
      get,
    );
    await vi.advanceTimersByTimeAsync(60);
    expect(sink.outcomes).toHaveLength(1);
    expect(sink.outcomes[0]?.[1]).toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    expect(aborted).toBe(sink.outcomes[0]?.[1]);
    expect(breaker.state).toBe(CircuitState.Open);
    late?.resolve("too late");
    expect(sink.outcomes).toHaveLength(1);
  });

  it("passes a freed bulkhead slot to the oldest queued call a microtask later, with no promise and no queue jumping", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 2 });
    const policy = composePolicies(createRetryPolicy({ maxAttempts: 2 }), bulkhead, createTimeoutPolicy({ ms: 1_000 }));
    const started: string[] = [];
    const sinks = new Map<string, Settles<string>>();
    const heard: string[] = [];
    const task =
      (name: string): SinkTask<string> =>
      (_context, into) => {
        started.push(name);
        sinks.set(name, into);
      };
    const outcome = (name: string): Settles<string> => ({
      resolve: (value) => heard.push(`${name}:${value}`),
      reject: (error) => heard.push(`${name}:${String(error)}`),
    });
    const made = promisesDuring(() => {
      runOn(policy, task("a"), outcome("a"), undefined, get);
      runOn(policy, task("b"), outcome("b"), undefined, get); // queued
      expect([started, bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([["a"], 0, 1]);
      sinks.get("a")?.resolve("1");
      // The slot went to "b", which starts a microtask later — not inside "a"'s report, and "c" cannot take it.
      expect([started, heard, bulkhead.executionSlots]).toEqual([["a"], ["a:1"], 0]);
      runOn(policy, task("c"), outcome("c"), undefined, get);
    });
    expect(made).toBe(0);
    await Promise.resolve();
    expect(started).toEqual(["a", "b"]);
    sinks.get("b")?.resolve("2");
    await Promise.resolve();
    sinks.get("c")?.resolve("3");
    expect(heard).toEqual(["a:1", "b:2", "c:3"]);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 2]);
  });

  it("does not run a queued call whose caller aborted while its slot was on the way: the slot goes on", async () => {
    // connor4312/cockatiel#114: an aborted task held an execution slot, and the queue behind it starved.
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 2 });
    const started: string[] = [];
    const heard: string[] = [];
    const sinks = new Map<string, Settles<string>>();
    let cStarted: () => void = () => undefined;
    const cRuns = new Promise<void>((resolve) => (cStarted = resolve));
    const run = (name: string, signal?: AbortSignal) =>
      runOn(
        bulkhead,
        (_context, into: Settles<string>) => {
          started.push(name);
          sinks.set(name, into);
          if (name === "c") cStarted();
        },
        {
          resolve: (value) => heard.push(`${name}:${value}`),
          reject: (error) => heard.push(`${name}:${String(error)}`),
        },
        signal,
        get,
      );
    const caller = new AbortController();
    run("a");
    run("b", caller.signal);
    run("c");
    sinks.get("a")?.resolve("1"); // the slot goes to "b", a microtask later…
    caller.abort(new Error("gone")); // …whose caller aborts first
    await cRuns;
    expect(started).toEqual(["a", "c"]);
    sinks.get("c")?.resolve("3");
    expect(heard).toEqual(["a:1", "b:Error: gone", "c:3"]);
    expect([bulkhead.executionSlots, bulkhead.queueSlots]).toEqual([1, 2]);
  });

  it("a guard's refusal reaches the sink without running the attempt", async () => {
    const { policy, breaker } = parts();
    const failing = () => Promise.reject(refused());
    await expect(composePolicies(breaker, createTimeoutPolicy({ ms: 1_000 })).execute(failing)).rejects.toThrow();
    await expect(composePolicies(breaker, createTimeoutPolicy({ ms: 1_000 })).execute(failing)).rejects.toThrow();
    expect(breaker.state).toBe(CircuitState.Open);
    const sink = recording();
    let ran = false;
    runOn(policy, () => (ran = true), sink, undefined, get);
    // Through the retry engine (which never retries a policy's refusal), so a microtask later.
    await sink.heard;
    expect(sink.outcomes).toHaveLength(1);
    expect(ran).toBe(false);
    expect(sink.outcomes[0]?.[1]).toMatchObject({ code: "RESILIENCE_CIRCUIT_OPEN" });
  });

  it("is offered only when every layer has it; a lone guard among layers has it too", async () => {
    const { retry, breaker, timeout } = parts();
    expect(runnerOf(composePolicies(retry, breaker, timeout))).toBeDefined();
    const hedged = composePolicies(retry, createHedgePolicy({ delayMs: 1_000 }), timeout);
    expect(runnerOf(hedged)).toBeUndefined();
    // Through `execute`, as before.
    await expect(hedged.execute(() => "ok")).resolves.toBe("ok");
  });

  it("runs a policy with only `execute` (cockatiel's shape) through it, one promise per attempt", async () => {
    const own: Policy = { execute: (fn, signal) => Promise.resolve(fn({ signal } as AttemptContext)) };
    const sink = recording();
    runOn(own, (_context, into) => into.resolve("ok"), sink, undefined, get);
    await sink.heard;
    expect(sink.outcomes).toEqual([["value", "ok"]]);
  });

  it("a live policy runs its pipeline in force into the sink", () => {
    const live = new LivePolicy({ retry: { maxAttempts: 2 }, timeout: { perTryMs: 1_000 } });
    const sink = recording();
    const made = promisesDuring(() => runOn(live, (_context, into) => into.resolve("ok"), sink, undefined, get));
    expect(made).toBe(0);
    expect(sink.outcomes).toEqual([["value", "ok"]]);
  });
});
