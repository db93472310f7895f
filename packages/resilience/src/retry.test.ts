import { type CallDeclaration, describeCall } from "@outrigger/core";
import { describe, expect, it, vi } from "vitest";
import { isResilienceError, ResilienceError } from "./errors.js";
import { createRetryPolicy, type RetryOptions } from "./retry.js";
import { RetryBudget } from "./retry-budget.js";
import { HttpStatusError, isConnectionError, retryAfterMsOf } from "./retryable.js";

const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

describe("createRetryPolicy", () => {
  it("makes maxAttempts attempts in all, then gives up with the last error", async () => {
    const policy = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0 });
    let attempts = 0;
    const giveUps: unknown[] = [];
    policy.onGiveUp((e) => giveUps.push(e));
    await expect(
      policy.execute(() => {
        attempts += 1;
        throw refused();
      }),
    ).rejects.toThrow("ECONNREFUSED");
    expect(attempts).toBe(3);
    expect(giveUps).toHaveLength(1);
  });

  it("calls the attempt function again on each retry, so a balancer can re-pick", async () => {
    const policy = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0 });
    const hosts = ["dead", "alive"];
    const seen: string[] = [];
    const result = await policy.execute(() => {
      const host = hosts[seen.length] as string;
      seen.push(host);
      if (host === "dead") throw refused();
      return host;
    });
    expect(result).toBe("alive");
    expect(seen).toEqual(["dead", "alive"]);
  });

  it("does not retry errors that are not connection failures by default", async () => {
    const policy = createRetryPolicy({ maxAttempts: 5, initialDelayMs: 0 });
    let attempts = 0;
    await expect(
      policy.execute(() => {
        attempts += 1;
        throw new Error("400 bad request");
      }),
    ).rejects.toThrow("400");
    expect(attempts).toBe(1);
  });

  it("refuses a maxAttempts below one with a typed error", () => {
    for (const maxAttempts of [0, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        createRetryPolicy({ maxAttempts });
      } catch (error) {
        caught = error;
      }
      expect(isResilienceError(caught)).toBe(true);
      expect((caught as { code: string }).code).toBe("RESILIENCE_INVALID_OPTION");
    }
  });
});

describe("isConnectionError", () => {
  it("finds connection codes through the cause chain, as fetch and axios wrap them", () => {
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }))).toBe(true);
    // A reset may come after the server read and processed the request: not a "never sent" failure.
    expect(isConnectionError(new TypeError("fetch failed", { cause: { code: "ECONNRESET" } }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error("x"), { code: "ERR_BAD_REQUEST" }))).toBe(false);
    expect(isConnectionError(undefined)).toBe(false);
  });
});

describe("createRetryPolicy: HTTP statuses, idempotency, Retry-After, rejections", () => {
  const fail = (status: number, headers: Record<string, string> = {}) => new HttpStatusError(status, headers);

  async function attemptsFor(error: () => unknown, call?: CallDeclaration, options: Partial<RetryOptions> = {}) {
    const policy = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0, ...options });
    let attempts = 0;
    const fn = () => {
      attempts += 1;
      throw error();
    };
    await policy.execute(fn, undefined, call ? describeCall(call) : undefined).catch(() => undefined);
    return attempts;
  }

  it("retries 502/503/504/429 for idempotent methods only", async () => {
    for (const status of [502, 503, 504, 429]) {
      expect(await attemptsFor(() => fail(status), { method: "GET" })).toBe(3);
      expect(await attemptsFor(() => fail(status), { method: "POST" })).toBe(1);
      expect(await attemptsFor(() => fail(status))).toBe(1);
    }
    expect(await attemptsFor(() => fail(500), { method: "GET" })).toBe(1);
    expect(await attemptsFor(() => fail(404), { method: "GET" })).toBe(1);
  });

  it("retries a POST declared idempotent, or every call when configured", async () => {
    expect(await attemptsFor(() => fail(503), { method: "POST", idempotent: true })).toBe(3);
    expect(await attemptsFor(() => fail(503), { method: "POST" }, { retryNonIdempotent: true })).toBe(3);
  });

  it("retries connection failures whatever the method", async () => {
    expect(await attemptsFor(refused, { method: "POST" })).toBe(3);
  });

  it("never retries a rejection by a breaker, bulkhead or rate limiter", async () => {
    for (const code of ["RESILIENCE_CIRCUIT_OPEN", "RESILIENCE_BULKHEAD_FULL", "RESILIENCE_RATE_LIMITED"] as const) {
      expect(await attemptsFor(() => new ResilienceError(code, "no"), { method: "GET" })).toBe(1);
    }
  });

  it("waits at least the Retry-After the server asked for", async () => {
    const policy = createRetryPolicy({ maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 });
    const delays: number[] = [];
    policy.onRetry((event) => delays.push(event.delay));
    vi.useFakeTimers();
    try {
      let attempts = 0;
      const done = policy.execute(
        () => {
          attempts += 1;
          if (attempts === 1) throw fail(429, { "retry-after": "2" });
          return "ok";
        },
        undefined,
        describeCall({ method: "GET" }),
      );
      await vi.advanceTimersByTimeAsync(1_999);
      expect(attempts).toBe(1);
      await vi.advanceTimersByTimeAsync(1);
      await expect(done).resolves.toBe("ok");
      expect(delays).toEqual([2_000]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reads Retry-After from axios-shaped errors and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMsOf({ response: { status: 503, headers: { "retry-after": "3" } } })).toBe(3_000);
    expect(retryAfterMsOf(fail(503, { "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }), now)).toBe(5_000);
    expect(retryAfterMsOf(fail(503))).toBeUndefined();
  });

  it("grows delays with decorrelated jitter within the cap", async () => {
    const policy = createRetryPolicy({
      maxAttempts: 6,
      backoff: "decorrelated-jitter",
      initialDelayMs: 10,
      maxDelayMs: 80,
    });
    const delays: number[] = [];
    policy.onRetry((event) => delays.push(event.delay));
    vi.useFakeTimers();
    try {
      const done = policy.execute(() => {
        throw refused();
      });
      done.catch(() => undefined);
      await vi.advanceTimersByTimeAsync(1_000);
      await expect(done).rejects.toThrow("ECONNREFUSED");
    } finally {
      vi.useRealTimers();
    }
    expect(delays).toHaveLength(5);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(0);
    for (const d of delays) expect(d).toBeLessThanOrEqual(80);
  });

  it("spends the shared budget and stops retrying when it is empty", async () => {
    const clock = { now: () => 0 };
    const budget = new RetryBudget({ minRetriesPerSec: 0, percentCanRetry: 0.5, clock });
    const policy = createRetryPolicy({ maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0, budget });
    let exhausted = 0;
    policy.onBudgetExhausted(() => exhausted++);
    let attempts = 0;
    await policy
      .execute(() => {
        attempts += 1;
        throw refused();
      })
      .catch(() => undefined);
    // One request deposits half a retry: not enough for any retry.
    expect(attempts).toBe(1);
    expect(exhausted).toBe(1);
    await policy.execute(() => "ok");
    attempts = 0;
    await policy
      .execute(() => {
        attempts += 1;
        throw refused();
      })
      .catch(() => undefined);
    // Three deposits of 0.5 = 1.5 retries: one retry.
    expect(attempts).toBe(2);
  });
});
