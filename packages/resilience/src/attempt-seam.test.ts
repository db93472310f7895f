// The policy side of the request seam: the call's context reaches every layer, no listener outlives its attempt,
// a queued bulkhead call leaves at once on abort, Retry-After above the cap gives up, no delay overflows
// setTimeout, and bad numbers are refused. Sources: cockatiel src/RetryPolicy.ts (the context travels with the
// attempt), nodejs/node#55351 (AbortSignal.any keeps dependants alive on Node 20), RFC 9110 §10.2.3.
import { getEventListeners } from "node:events";
import { type AttemptContext, describeCall } from "@outrigger/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createBulkheadPolicy } from "./bulkhead.js";
import { createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { createHedgePolicy } from "./hedge.js";
import { createRetryPolicy } from "./retry.js";
import { HttpStatusError } from "./retryable.js";
import { createTimeoutPolicy } from "./timeout.js";

afterEach(() => vi.useRealTimers());

describe("the attempt context", () => {
  it("reaches the attempt through every policy, with a fresh attempt number per retry", async () => {
    const pipeline = composePolicies(
      createRetryPolicy({ maxAttempts: 3, backoff: "none" }),
      createCircuitBreaker({ mode: { kind: "consecutive", threshold: 99 }, halfOpenAfterMs: 1_000 }),
      createBulkheadPolicy({ maxConcurrent: 4 }),
      createTimeoutPolicy({ ms: 1_000 }),
    );
    const seen: Array<Pick<AttemptContext, "method" | "idempotent">> = [];
    const attempts: number[] = [];
    const retry = createRetryPolicy({ maxAttempts: 3, backoff: "none" });
    await retry.execute(
      (c) => {
        attempts.push(c.attempt);
        if (c.attempt < 2) throw new HttpStatusError(503);
      },
      undefined,
      describeCall({ method: "get" }),
    );
    await pipeline.execute(
      (c) => seen.push({ method: c.method, idempotent: c.idempotent }),
      undefined,
      describeCall({ method: "PUT" }),
    );
    expect(attempts).toEqual([0, 1, 2]);
    expect(seen).toEqual([{ method: "PUT", idempotent: true }]);
  });

  it("retries a GET answered 503 when the call is declared, and never an undeclared or POST call", async () => {
    const count = async (call?: Parameters<typeof describeCall>[0]) => {
      let n = 0;
      const retry = createRetryPolicy({ maxAttempts: 3, backoff: "none" });
      const fail = () => {
        n++;
        throw new HttpStatusError(503);
      };
      await retry.execute(fail, undefined, call ? describeCall(call) : undefined).catch(() => undefined);
      return n;
    };
    expect(await count({ method: "GET" })).toBe(3);
    expect(await count({ method: "POST" })).toBe(1);
    expect(await count({ method: "POST", idempotent: true })).toBe(3);
    expect(await count()).toBe(1);
  });

  it("never retries a call whose body cannot be sent again, and says so through the call's refuseReplay", async () => {
    const retry = createRetryPolicy({ maxAttempts: 3, backoff: "none" });
    const refused = new Error("body not replayable");
    const call = describeCall({ method: "PUT", replayable: false, refuseReplay: () => refused });
    let n = 0;
    const error = await retry
      .execute(
        () => {
          n++;
          throw new HttpStatusError(503);
        },
        undefined,
        call,
      )
      .catch((e: unknown) => e);
    expect(n).toBe(1);
    expect(error).toBe(refused);
  });
});

describe("no listener outlives its attempt", () => {
  it("a per-try timeout under a long-lived caller signal leaves no abort listener on it", async () => {
    const caller = new AbortController();
    const pipeline = composePolicies(createRetryPolicy({ maxAttempts: 2 }), createTimeoutPolicy({ ms: 1_000 }));
    for (let i = 0; i < 200; i++) {
      // Reading the signal is what makes the timeout listen to the caller's (an HTTP client always reads it).
      await pipeline.execute(({ signal }) => signal.aborted, caller.signal, describeCall({ method: "GET" }));
    }
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("a hedge and a retry backoff leave no listener on the caller's signal", async () => {
    const caller = new AbortController();
    const hedge = createHedgePolicy({ delayMs: 1 });
    const retry = createRetryPolicy({ maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 });
    const call = describeCall({ method: "GET" });
    let n = 0;
    await composePolicies(retry, hedge).execute(
      () =>
        new Promise((resolve, reject) =>
          setTimeout(() => (n++ === 0 ? reject(new HttpStatusError(503)) : resolve("ok")), 5),
        ),
      caller.signal,
      call,
    );
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("a bulkhead call queued when its caller aborts is rejected at once and leaves the queue", async () => {
    const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: 1 });
    let release: () => void = () => undefined;
    const running = bulkhead.execute(() => new Promise<void>((r) => (release = r)));
    const caller = new AbortController();
    const queued = bulkhead.execute(() => "ran", caller.signal);
    expect(bulkhead.queueSlots).toBe(0);
    caller.abort(new Error("caller gave up"));
    await expect(queued).rejects.toThrow("caller gave up");
    expect(bulkhead.queueSlots).toBe(1);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    release();
    await running;
  });
});

describe("time", () => {
  it("gives up at once when Retry-After is above maxRetryAfterMs instead of waiting less than asked", async () => {
    const retry = createRetryPolicy({ maxAttempts: 3, maxRetryAfterMs: 5_000 });
    const why: string[] = [];
    retry.onGiveUp((e) => why.push(e.why));
    let n = 0;
    const started = performance.now();
    await retry
      .execute(
        () => {
          n++;
          throw new HttpStatusError(503, { "retry-after": "3600" });
        },
        undefined,
        describeCall({ method: "GET" }),
      )
      .catch(() => undefined);
    expect(n).toBe(1);
    expect(why).toEqual(["retry-after"]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ["retry maxAttempts", () => createRetryPolicy({ maxAttempts: -1 })],
    ["retry initialDelayMs", () => createRetryPolicy({ maxAttempts: 2, initialDelayMs: Number.NaN })],
    ["retry maxDelayMs", () => createRetryPolicy({ maxAttempts: 2, maxDelayMs: Number.POSITIVE_INFINITY })],
    ["retry maxRetryAfterMs", () => createRetryPolicy({ maxAttempts: 2, maxRetryAfterMs: -5 })],
    ["retry maxRetryAfterMs over 2^31-1", () => createRetryPolicy({ maxAttempts: 2, maxRetryAfterMs: 2 ** 31 })],
    ["timeout ms", () => createTimeoutPolicy({ ms: -1 })],
    ["timeout ms over 2^31-1", () => createTimeoutPolicy({ ms: 2 ** 32 })],
    ["hedge delayMs", () => createHedgePolicy({ delayMs: -1 })],
    ["hedge quantile", () => createHedgePolicy({ quantile: 1.5 })],
    ["hedge maxHedges", () => createHedgePolicy({ maxHedges: Number.NaN })],
    ["bulkhead maxQueue", () => createBulkheadPolicy({ maxConcurrent: 1, maxQueue: -1 })],
  ])("refuses a bad %s with RESILIENCE_INVALID_OPTION", (_name, make) => {
    expect(make).toThrowError(expect.objectContaining({ code: "RESILIENCE_INVALID_OPTION" }));
  });
});
