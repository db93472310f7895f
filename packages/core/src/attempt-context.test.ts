import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { attemptContext, callOf, describeCall, signalOf } from "./attempt-context.js";
import { followAbort, neverAborted } from "./follow-abort.js";
import { LazyAbort } from "./lazy-abort.js";
import { RetryEngine } from "./retry-engine.js";

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

describe("willRetry: the retry verdict a transport reads before it reports an attempt's outcome", () => {
  const fail = (message: string) => new Error(message);
  const unavailable = () => Object.assign(new Error("HTTP 503"), { status: 503 });
  /** A budget that counts withdrawals and grants `tokens` of them. */
  const budget = (tokens: number) => ({
    withdrawn: 0,
    deposit: () => undefined,
    tryWithdraw() {
      this.withdrawn++;
      return this.withdrawn <= tokens;
    },
  });

  it("is the engine's verdict, made once: asked first by the attempt, reused by run (one budget token per retry)", async () => {
    const tokens = budget(10);
    const engine = new RetryEngine({ maxAttempts: 3, backoff: "none", budget: tokens }, fail);
    const asked: boolean[] = [];
    const answer = await engine.run(
      (context) => {
        if (context.attempt === 2) return "third";
        const error = unavailable();
        asked.push(context.willRetry?.(error) ?? false);
        // Asking again gives the same answer and spends nothing more.
        asked.push(context.willRetry?.(error) ?? false);
        throw error;
      },
      describeCall({ method: "GET" }),
    );
    expect(answer).toBe("third");
    expect(asked).toEqual([true, true, true, true]);
    expect(tokens.withdrawn).toBe(2);
  });

  it("is false on the last attempt and when the budget refuses: that failure is the answer", async () => {
    const engine = new RetryEngine({ maxAttempts: 2, backoff: "none", budget: budget(0) }, fail);
    const asked: boolean[] = [];
    await expect(
      engine.run(
        (context) => {
          const error = unavailable();
          asked.push(context.willRetry?.(error) ?? true);
          throw error;
        },
        describeCall({ method: "GET" }),
      ),
    ).rejects.toThrow("HTTP 503");
    expect(asked).toEqual([false]);
  });

  it("asks the engine of an outer attempt when the inner one gives up (a retry policy around a client's own single attempt)", async () => {
    const outer = new RetryEngine({ maxAttempts: 2, backoff: "none" }, fail);
    const inner = new RetryEngine({ maxAttempts: 1 }, fail);
    const asked: boolean[] = [];
    await expect(
      outer.run(
        (policyAttempt) =>
          inner.run((attempt) => {
            const error = unavailable();
            asked.push(attempt.willRetry?.(error) ?? false);
            throw error;
          }, policyAttempt),
        describeCall({ method: "GET" }),
      ),
    ).rejects.toThrow("HTTP 503");
    // The policy retried the first failure, not the second (its last attempt).
    expect(asked).toEqual([true, false]);
  });
});
