import { getEventListeners } from "node:events";
import { abortSourceOf, describeCall, followAbort, timerLateMsOf } from "@outrigger/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { createRetryPolicy } from "./retry.js";
import { createTimeoutPolicy } from "./timeout.js";

/** An attempt that never answers by itself and records whether its signal aborted. */
function hanging(aborted: boolean[]) {
  return ({ signal }: { signal: AbortSignal }) =>
    new Promise<string>((_, reject) => {
      signal.addEventListener("abort", () => {
        aborted.push(true);
        reject(new Error("aborted"));
      });
    });
}

describe("createTimeoutPolicy", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("fails a slow attempt with RESILIENCE_TIMEOUT and aborts its signal", async () => {
    const policy = createTimeoutPolicy({ ms: 100 });
    const aborted: boolean[] = [];
    let timeouts = 0;
    policy.onTimeout(() => timeouts++);
    const done = policy.execute(hanging(aborted));
    const assertion = expect(done).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(aborted).toEqual([true]);
    expect(timeouts).toBe(1);
  });

  it("gives per-try timeouts to retries and a total deadline over them all", async () => {
    const aborted: boolean[] = [];
    let attempts = 0;
    const pipeline = composePolicies(
      createTimeoutPolicy({ ms: 250, scope: "total" }),
      createRetryPolicy({ maxAttempts: 10, initialDelayMs: 0, maxDelayMs: 0 }),
      createTimeoutPolicy({ ms: 100 }),
    );
    const done = pipeline.execute(
      (context) => {
        attempts += 1;
        return hanging(aborted)(context);
      },
      undefined,
      describeCall({ method: "GET" }),
    );
    const assertion = expect(done).rejects.toMatchObject({ code: "RESILIENCE_DEADLINE_EXCEEDED" });
    await vi.advanceTimersByTimeAsync(250);
    await assertion;
    // Tries at 0, 100, 200; the third is cut by the deadline at 250.
    expect(attempts).toBe(3);
    expect(aborted).toHaveLength(3);
  });

  it("passes the caller's own cancellation through untouched", async () => {
    const policy = createTimeoutPolicy({ ms: 1_000 });
    const controller = new AbortController();
    const done = policy.execute(hanging([]), controller.signal);
    const assertion = expect(done).rejects.not.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    controller.abort();
    await assertion;
  });
});

describe("createTimeoutPolicy's cancellation, made lazily", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("aborts a follower of the attempt's cancellation at the timeout without an AbortSignal being read", async () => {
    const policy = createTimeoutPolicy({ ms: 100 });
    const followed: unknown[] = [];
    let attempt: { readonly signal: AbortSignal } | undefined;
    const done = policy.execute(
      (context) =>
        new Promise<never>(() => {
          attempt = context;
          const source = abortSourceOf(context);
          if (source) followAbort(source, () => followed.push(source.reason));
        }),
    );
    const assertion = expect(done).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(followed).toEqual([expect.objectContaining({ code: "RESILIENCE_TIMEOUT" })]);
    // A signal read after the timeout is made already aborted, with the timeout's error.
    expect(attempt?.signal.aborted).toBe(true);
    expect(attempt?.signal.reason).toMatchObject({ code: "RESILIENCE_TIMEOUT" });
  });

  it("cancels on the caller's signal without making the attempt's signal, and stops following it after", async () => {
    const policy = createTimeoutPolicy({ ms: 1_000 });
    const caller = new AbortController();
    const done = policy.execute(
      (context) =>
        new Promise<never>((_, reject) => {
          const source = abortSourceOf(context);
          if (source) followAbort(source, () => reject(source.reason));
        }),
      caller.signal,
    );
    caller.abort(new Error("caller gave up"));
    await expect(done).rejects.toThrow("caller gave up");
    // A call that settled lets go of a long-lived caller signal.
    const kept = new AbortController();
    let during = 0;
    await policy.execute(() => {
      during = getEventListeners(kept.signal, "abort").length;
      return "ok";
    }, kept.signal);
    expect([during, getEventListeners(kept.signal, "abort").length]).toEqual([1, 0]);
  });

  it("inside a full pipeline adds no abort listener and makes no AbortController per call", async () => {
    const pipeline = composePolicies(
      createRetryPolicy({ maxAttempts: 3 }),
      createCircuitBreaker({ mode: { kind: "consecutive", threshold: 5 }, halfOpenAfterMs: 10_000 }),
      createBulkheadPolicy({ maxConcurrent: 4, maxQueue: 4 }),
      createTimeoutPolicy({ ms: 1_000 }),
    );
    const listen = vi.spyOn(EventTarget.prototype, "addEventListener");
    const made = vi.fn();
    vi.stubGlobal(
      "AbortController",
      class extends AbortController {
        constructor() {
          super();
          made();
        }
      },
    );
    try {
      for (let i = 0; i < 10; i++) await pipeline.execute(() => "ok", undefined, describeCall({ method: "GET" }));
      expect([listen.mock.calls.length, made.mock.calls.length]).toEqual([0, 0]);
    } finally {
      listen.mockRestore();
      vi.unstubAllGlobals();
    }
  });

  it("records how late its timer ran on the error (injected clock), for the local-lag rule", async () => {
    let now = 0;
    const policy = createTimeoutPolicy({ ms: 100, clock: { now: () => now } });
    const done = policy.execute(() => new Promise<never>(() => undefined));
    const assertion = expect(done).rejects.toMatchObject({ code: "RESILIENCE_TIMEOUT" });
    // The process was stuck: 350 ms passed on the clock before the 100 ms timer could run.
    now = 350;
    await vi.advanceTimersByTimeAsync(100);
    const error = await done.catch((e: unknown) => e);
    await assertion;
    expect(timerLateMsOf(error)).toBe(250);
  });
});

describe("createTimeoutPolicy and a caller that gives up (cockatiel's aggressive strategy)", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("ends a call whose attempt ignores its signal at the caller's abort, with the caller's reason, and frees the late answer", async () => {
    // On main the caller waited for the attempt (here: 10 s) although it had given up; cockatiel's aggressive
    // timeout races the attempt against its aborted signal and rejects at once.
    const policy = createTimeoutPolicy({ ms: 60_000 });
    let timeouts = 0;
    policy.onTimeout(() => timeouts++);
    const caller = new AbortController();
    let freed = 0;
    const late = { [Symbol.dispose]: () => freed++ };
    let signalled = false;
    const done = policy.execute(({ signal }) => {
      signal.addEventListener("abort", () => (signalled = true));
      return new Promise<object>((resolve) => setTimeout(() => resolve(late), 10_000)); // never looks at the signal
    }, caller.signal);
    const reason = new Error("client closed the request");
    let settledAt: number | undefined;
    void done.catch(() => (settledAt = Date.now()));
    const abortedAt = Date.now();
    caller.abort(reason);
    await expect(done).rejects.toBe(reason);
    expect([settledAt, signalled, timeouts]).toEqual([abortedAt, true, 0]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(freed).toBe(1); // the attempt's answer came anyway: nobody reads it, so it is disposed
  });

  it("gives the caller its own reason even when the attempt rejects in its abort listener", async () => {
    const policy = createTimeoutPolicy({ ms: 60_000 });
    const caller = new AbortController();
    const done = policy.execute(
      ({ signal }) =>
        new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error("attempt's own")))),
      caller.signal,
    );
    const reason = new Error("caller's reason");
    caller.abort(reason);
    await expect(done).rejects.toBe(reason);
  });

  it("starts no attempt for a caller whose signal is already aborted", async () => {
    const policy = createTimeoutPolicy({ ms: 1_000 });
    const reason = new Error("gone before");
    let ran = false;
    await expect(policy.execute(() => (ran = true), AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(ran).toBe(false);
  });

  it("a total deadline around retries ends at the caller's abort though the try in flight ignores it", async () => {
    const pipeline = composePolicies(
      createTimeoutPolicy({ ms: 60_000, scope: "total" }),
      createRetryPolicy({ maxAttempts: 3, retryOn: () => true }),
      createTimeoutPolicy({ ms: 30_000 }),
    );
    const caller = new AbortController();
    let attempts = 0;
    const done = pipeline.execute(
      () => {
        attempts++;
        return new Promise<never>(() => undefined);
      },
      caller.signal,
      describeCall({ method: "GET" }), // idempotent: a retry would be allowed but for the caller's abort
    );
    const reason = new Error("shutdown");
    caller.abort(reason);
    await expect(done).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(attempts).toBe(1); // no retry after the caller gave up
  });
});

describe("createTimeoutPolicy without fake timers", () => {
  it("passes an attempt's own failure through unchanged", async () => {
    const policy = createTimeoutPolicy({ ms: 1_000 });
    await expect(
      policy.execute(() => {
        throw new Error("own failure");
      }),
    ).rejects.toThrow("own failure");
    await expect(policy.execute(async () => Promise.reject(new Error("async failure")))).rejects.toThrow(
      "async failure",
    );
  });
});
