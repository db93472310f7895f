import { describeCall } from "@outrigger/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
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
