// The one retry engine's decisions. Sources: go-kit sd/lb/retry.go (one callback decides, the final error keeps
// every attempt's error), RFC 9110 §9.2.2 and §10.2.3, AWS "Exponential Backoff And Jitter" (full jitter).
import { createHook } from "node:async_hooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { attemptContext, describeCall } from "./attempt-context.js";
import { classifyFailure, markRequestSent } from "./attempt-failure.js";
import { neverAborted } from "./follow-abort.js";
import { attemptErrorsOf, RetryEngine } from "./retry-engine.js";

const fail = (message: string) => new RangeError(message);
const statuses = new Set([503]);
const coded = (code: string) => Object.assign(new Error(code), { code });
const get = (attempt = 0) => attemptContext(describeCall({ method: "GET" }), neverAborted, attempt);
const post = (attempt = 0) => attemptContext(describeCall({ method: "POST" }), neverAborted, attempt);

afterEach(() => vi.useRealTimers());

describe("classifyFailure", () => {
  it("trusts the transport's mark over error codes: a reset before any byte was written was never sent", () => {
    expect(classifyFailure(markRequestSent(coded("ECONNRESET"), false), statuses)).toBe("not-sent");
    expect(classifyFailure(markRequestSent(coded("ECONNRESET"), true), statuses)).toBe("maybe-sent");
    expect(classifyFailure(coded("ECONNRESET"), statuses)).toBe("maybe-sent");
    expect(classifyFailure(new TypeError("fetch failed", { cause: coded("ECONNREFUSED") }), statuses)).toBe("not-sent");
  });

  it("reads a malformed answer (undici's parser and length errors) as maybe-sent: the connection was up", () => {
    expect(classifyFailure(coded("HPE_UNEXPECTED_CONTENT_LENGTH"), statuses)).toBe("maybe-sent");
    expect(classifyFailure(coded("UND_ERR_RES_CONTENT_LENGTH_MISMATCH"), statuses)).toBe("maybe-sent");
  });

  it("reads statuses, timeouts and rejections", () => {
    expect(classifyFailure({ response: { status: 503 } }, statuses)).toBe("status");
    expect(classifyFailure({ response: { status: 500 } }, statuses)).toBe("other");
    expect(classifyFailure(coded("RESILIENCE_TIMEOUT"), statuses)).toBe("timeout");
    expect(classifyFailure(coded("RESILIENCE_CIRCUIT_OPEN"), statuses)).toBe("rejected");
    expect(classifyFailure(new Error("bug"), statuses)).toBe("other");
  });
});

describe("RetryEngine.decide", () => {
  const engine = new RetryEngine({ maxAttempts: 3, retryOnStatus: [503], backoff: "none" }, fail);

  it("resends anything that never reached a server, only idempotent calls otherwise", () => {
    expect(engine.decide(coded("ECONNREFUSED"), post())).toMatchObject({ retry: true, kind: "not-sent" });
    expect(engine.decide(coded("ECONNRESET"), post())).toMatchObject({ retry: false, why: "not-idempotent" });
    expect(engine.decide(coded("ECONNRESET"), get())).toMatchObject({ retry: true, kind: "maybe-sent" });
    expect(engine.decide({ response: { status: 503 } }, get())).toMatchObject({ retry: true });
    expect(engine.decide({ response: { status: 503 } }, post())).toMatchObject({ why: "not-idempotent" });
  });

  it("stops at maxAttempts, for a body that cannot be sent again, and past the deadline", () => {
    expect(engine.decide(coded("ECONNREFUSED"), get(2))).toMatchObject({ why: "attempts" });
    const stream = attemptContext(describeCall({ method: "PUT", replayable: false }), neverAborted, 0);
    expect(engine.decide(coded("ECONNREFUSED"), stream)).toMatchObject({ why: "not-replayable" });
    const late = new RetryEngine({ maxAttempts: 3, clock: { now: () => 100 } }, fail);
    const due = attemptContext(describeCall({ method: "GET", deadline: 100 }), neverAborted, 0);
    expect(late.decide(coded("ECONNREFUSED"), due)).toMatchObject({ why: "deadline" });
  });

  it("waits at least Retry-After, and gives up when it is above maxRetryAfterMs", () => {
    const capped = new RetryEngine({ maxAttempts: 3, maxRetryAfterMs: 2_000, backoff: "none" }, fail);
    const asking = (s: string) => ({ response: { status: 503, headers: { "retry-after": s } } });
    expect(capped.decide(asking("2"), get())).toMatchObject({ retry: true, delayMs: 2_000 });
    expect(capped.decide(asking("3"), get())).toMatchObject({ retry: false, why: "retry-after" });
  });

  it("asks the budget last, so a retry that would not happen takes nothing from it", () => {
    const budget = { deposit: vi.fn(), tryWithdraw: vi.fn(() => false) };
    const budgeted = new RetryEngine({ maxAttempts: 2, budget }, fail);
    expect(budgeted.decide(coded("ECONNRESET"), post())).toMatchObject({ why: "not-idempotent" });
    expect(budget.tryWithdraw).not.toHaveBeenCalled();
    expect(budgeted.decide(coded("ECONNREFUSED"), post())).toMatchObject({ why: "budget" });
  });

  it("gives up with no-target when the call says a retry would have nowhere to go, before the budget", () => {
    const budget = { deposit: vi.fn(), tryWithdraw: vi.fn(() => true) };
    const budgeted = new RetryEngine({ maxAttempts: 5, budget }, fail);
    const nowhere = describeCall({ method: "GET", canResend: () => false });
    expect(budgeted.decide(coded("ECONNREFUSED"), attemptContext(nowhere, neverAborted, 0))).toMatchObject({
      retry: false,
      why: "no-target",
    });
    expect(budget.tryWithdraw).not.toHaveBeenCalled();
    // An attempt made by an outer policy's attempt still reads the call's answer (through `callOf`).
    const outer = attemptContext(nowhere, neverAborted, 0);
    expect(budgeted.decide(coded("ECONNREFUSED"), attemptContext(outer, neverAborted, 1))).toMatchObject({
      why: "no-target",
    });
    const somewhere = describeCall({ method: "GET", canResend: () => true });
    expect(budgeted.decide(coded("ECONNREFUSED"), attemptContext(somewhere, neverAborted, 0))).toMatchObject({
      retry: true,
    });
  });

  it("keeps full-jitter backoff within initial × 2^n and the cap", () => {
    const jitter = new RetryEngine({ maxAttempts: 9, initialDelayMs: 10, maxDelayMs: 40, random: () => 0.999 }, fail);
    const delays = [0, 1, 2, 3].map(
      (n) => (jitter.decide(coded("ECONNREFUSED"), get(n)) as { delayMs: number }).delayMs,
    );
    expect(delays.map(Math.round)).toEqual([10, 20, 40, 40]);
  });

  it("refuses negative, non-finite and setTimeout-overflowing options", () => {
    for (const options of [
      { maxAttempts: 0 },
      { maxAttempts: 2, initialDelayMs: -1 },
      { maxAttempts: 2, maxDelayMs: Number.NaN },
      { maxAttempts: 2, maxRetryAfterMs: 2 ** 31 },
      { maxAttempts: 2, retryOnStatus: [99] },
    ]) {
      expect(() => new RetryEngine(options, fail)).toThrow(RangeError);
    }
  });
});

describe("RetryEngine.run", () => {
  it("hands each attempt a fresh context and keeps every attempt's error on the final one (go-kit's RetryError)", async () => {
    const engine = new RetryEngine({ maxAttempts: 3, backoff: "none" }, fail);
    const errors = [coded("ECONNREFUSED"), coded("ECONNREFUSED"), coded("ECONNREFUSED")];
    const seen: number[] = [];
    const thrown = await engine
      .run(
        (c) => {
          seen.push(c.attempt);
          throw errors[c.attempt];
        },
        describeCall({ method: "POST" }),
      )
      .catch((e: unknown) => e);
    expect(seen).toEqual([0, 1, 2]);
    expect(thrown).toBe(errors[2]);
    expect(attemptErrorsOf(thrown)).toEqual(errors);
  });

  it("announces (onRetry) and waits for only the retries that have somewhere to go", async () => {
    const engine = new RetryEngine({ maxAttempts: 5, initialDelayMs: 50, maxDelayMs: 50, random: () => 1 }, fail);
    const announced: number[] = [];
    const why: string[] = [];
    engine.onRetry((e) => announced.push(e.attempt));
    engine.onGiveUp((e) => why.push(e.why));
    let sent = 0;
    // Three instances: after the third attempt none is left to try.
    const call = describeCall({ method: "GET", canResend: () => sent < 3 });
    vi.useFakeTimers();
    const done = engine
      .run(() => {
        sent++;
        throw coded("ECONNREFUSED");
      }, call)
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    await done;
    expect({ sent, announced, why }).toEqual({ sent: 3, announced: [1, 2], why: ["no-target"] });
  });

  it("gives each attempt its own signal when the caller gave none (no shared signal collecting listeners)", async () => {
    const engine = new RetryEngine({ maxAttempts: 2, backoff: "none" }, fail);
    const signals: AbortSignal[] = [];
    await engine
      .run((c) => {
        signals.push(c.signal);
        throw coded("ECONNREFUSED");
      }, describeCall())
      .catch(() => undefined);
    expect(signals[0]).not.toBe(signals[1]);
    expect(signals[0]).not.toBe(neverAborted);
  });
  it("retries after a first attempt whose promise rejects, numbering the retry 1, and answers with its value", async () => {
    const engine = new RetryEngine({ maxAttempts: 3, backoff: "none" }, fail);
    const retries: number[] = [];
    engine.onRetry((event) => retries.push(event.attempt));
    const seen: number[] = [];
    const value = await engine.run(
      async (c) => {
        seen.push(c.attempt);
        if (c.attempt === 0) throw coded("ECONNREFUSED");
        return "second";
      },
      describeCall({ method: "GET" }),
    );
    expect([value, seen, retries]).toEqual(["second", [0, 1], [1]]);
  });

  it("answers a first attempt's plain value or thenable at once, with one budget deposit and no retry event", async () => {
    let deposits = 0;
    const budget = { deposit: () => deposits++, tryWithdraw: () => true };
    const engine = new RetryEngine({ maxAttempts: 3, budget }, fail);
    let retried = false;
    engine.onRetry(() => {
      retried = true;
    });
    // A PromiseLike that is not a native promise, as a user's fn may return (the engine's type allows it).
    // biome-ignore lint/suspicious/noThenProperty: the thenable is the case under test
    const thenable: PromiseLike<string> = { then: (resolve) => Promise.resolve("thenable").then(resolve) };
    expect(await engine.run(() => "plain", describeCall())).toBe("plain");
    expect(await engine.run(() => thenable, describeCall())).toBe("thenable");
    expect([deposits, retried]).toEqual([2, false]);
  });

  it("gives up on a first attempt that fails for good with that error, its one-error list and one give-up event", async () => {
    const engine = new RetryEngine({ maxAttempts: 3 }, fail);
    const reasons: string[] = [];
    engine.onGiveUp((event) => reasons.push(event.why));
    const bug = new Error("bug");
    const thrown = await engine.run(() => Promise.reject(bug), describeCall({ method: "GET" })).catch((e) => e);
    expect([thrown, attemptErrorsOf(thrown), reasons]).toEqual([bug, [bug], ["not-retryable"]]);
  });
  it("makes one promise of its own for a first attempt that succeeds (no async frame until one fails)", async () => {
    const engine = new RetryEngine({ maxAttempts: 3 }, fail);
    const answer = Promise.resolve("ok");
    let promises = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === "PROMISE") promises++;
      },
    }).enable();
    const running = engine.run(() => answer, describeCall({ method: "GET" }));
    hook.disable();
    expect(await running).toBe("ok");
    expect(promises).toBe(1);
  });

  it("continues a first attempt run outside it (firstAttempt, retryAfter) exactly as run would: numbering, events, errors", async () => {
    const engine = new RetryEngine({ maxAttempts: 3, backoff: "none" }, fail);
    const retries: number[] = [];
    const gaveUp: string[] = [];
    engine.onRetry((event) => retries.push(event.attempt));
    engine.onGiveUp((event) => gaveUp.push(event.why));
    const call = describeCall({ method: "GET" });
    const first = engine.firstAttempt(call);
    expect(first.attempt).toBe(0);
    const refused = coded("ECONNREFUSED");
    const seen: number[] = [];
    const value = await engine.retryAfter(
      (c) => {
        seen.push(c.attempt);
        return "second";
      },
      call,
      first,
      refused,
    );
    expect([value, seen, retries]).toEqual(["second", [1], [1]]);
    // Every attempt fails: the last attempt's error, carrying all three, and one give-up event.
    const errors = [refused, coded("ECONNREFUSED"), coded("ECONNREFUSED")];
    const thrown = await engine
      .retryAfter((c) => Promise.reject(errors[c.attempt]), call, engine.firstAttempt(call), refused)
      .catch((e: unknown) => e);
    expect([thrown, attemptErrorsOf(thrown), gaveUp]).toEqual([errors[2], errors, ["attempts"]]);
  });
});
