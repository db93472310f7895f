import { describeCall } from "@outrigger/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHedgePolicy } from "./hedge.js";
import { RetryBudget } from "./retry-budget.js";

/** An attempt answering `value` after `ms`, recording whether it was aborted. */
function answerAfter(ms: number, value: string, log: string[]) {
  return ({ signal }: { signal: AbortSignal }) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve(value), ms);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        log.push(`${value} aborted`);
        reject(new Error("aborted"));
      });
    });
}

describe("createHedgePolicy", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends a second attempt after the delay; the first answer wins and the loser is aborted", async () => {
    const hedge = createHedgePolicy({ delayMs: 50 });
    const events: unknown[] = [];
    hedge.onHedge((e) => events.push(e));
    const log: string[] = [];
    const attempts = [answerAfter(500, "slow primary", log), answerAfter(20, "fast hedge", log)];
    let n = 0;
    const done = hedge.execute(
      (c) => (attempts[n++] as (typeof attempts)[0])(c),
      undefined,
      describeCall({ method: "GET" }),
    );
    await vi.advanceTimersByTimeAsync(70);
    await expect(done).resolves.toBe("fast hedge");
    expect(log).toEqual(["slow primary aborted"]);
    expect(events).toEqual([{ hedge: 1, afterMs: 50 }]);
  });

  it("a caller that gives up mid-call gets its reason at once; no hedge goes out after, a late answer is freed", async () => {
    // thomhurst/Kevlar#46, App-vNext/Polly#3094: the hedge timer launched a new attempt after the caller had cancelled
    // (its controller made after the abort, so nothing aborted it), and the caller waited for an attempt that
    // ignored its signal.
    const hedge = createHedgePolicy({ delayMs: 50 });
    const events: unknown[] = [];
    hedge.onHedge((e) => events.push(e));
    let attempts = 0;
    let freed = 0;
    const caller = new AbortController();
    const done = hedge.execute(
      () => {
        attempts++;
        // Ignores its signal, answers a disposable value late.
        return new Promise<object>((resolve) => setTimeout(() => resolve({ [Symbol.dispose]: () => freed++ }), 500));
      },
      caller.signal,
      describeCall({ method: "GET" }),
    );
    await vi.advanceTimersByTimeAsync(10);
    const gone = new Error("client disconnected");
    caller.abort(gone);
    await expect(done).rejects.toBe(gone);
    await vi.advanceTimersByTimeAsync(600);
    expect([attempts, events, freed]).toEqual([1, [], 1]);
  });

  it("sends nothing for a caller whose signal is already aborted: it fails at once with the signal's reason", async () => {
    // followAbort never fires for a signal aborted before it is followed, and each attempt had its own controller:
    // the request went out, and its hedges after it, beyond the caller's reach.
    const hedge = createHedgePolicy({ delayMs: 10 });
    const events: unknown[] = [];
    hedge.onHedge((e) => events.push(e));
    let attempts = 0;
    const gone = new Error("client disconnected");
    const done = hedge.execute(
      (c) => {
        attempts++;
        return answerAfter(100, "sent", [])(c);
      },
      AbortSignal.abort(gone),
      describeCall({ method: "GET" }),
    );
    await expect(done).rejects.toBe(gone);
    await vi.advanceTimersByTimeAsync(200);
    expect([attempts, events]).toEqual([0, []]);
  });

  it("never hedges a call that is not idempotent", async () => {
    const hedge = createHedgePolicy({ delayMs: 10 });
    let attempts = 0;
    const done = hedge.execute(
      (c) => {
        attempts++;
        return answerAfter(100, "once", [])(c);
      },
      undefined,
      describeCall({ method: "POST" }),
    );
    await vi.advanceTimersByTimeAsync(100);
    await expect(done).resolves.toBe("once");
    expect(attempts).toBe(1);
  });

  it("waits for the observed p95 before hedging once enough samples are in", async () => {
    const hedge = createHedgePolicy({ minSamples: 20 });
    expect(hedge.currentDelayMs).toBeUndefined();
    for (let i = 1; i <= 20; i++) {
      const done = hedge.execute(answerAfter(i * 10, "ok", []));
      await vi.advanceTimersByTimeAsync(i * 10);
      await done;
    }
    // Samples 10..200 ms: the p95 is the 19th value.
    expect(hedge.currentDelayMs).toBe(200);
  });

  it("spends the shared retry budget and stops hedging when it is empty", async () => {
    const budget = new RetryBudget({ minRetriesPerSec: 0, percentCanRetry: 0.5, clock: { now: () => 0 } });
    const hedge = createHedgePolicy({ delayMs: 10, budget });
    let hedges = 0;
    let refused = 0;
    hedge.onHedge(() => hedges++);
    hedge.onBudgetExhausted(() => refused++);
    for (let i = 0; i < 4; i++) {
      const done = hedge.execute(answerAfter(30, "ok", []), undefined, describeCall({ method: "GET" }));
      await vi.advanceTimersByTimeAsync(30);
      await done;
    }
    // Four calls deposit two hedges' worth; the first call finds half a token only.
    expect(hedges).toBe(2);
    expect(refused).toBe(2);
  });

  it("fails with the last error when every attempt fails", async () => {
    const hedge = createHedgePolicy({ delayMs: 10 });
    const done = hedge.execute(
      () =>
        new Promise((_, reject) => {
          setTimeout(() => reject(new Error("down")), 15);
        }),
      undefined,
      describeCall({ method: "GET" }),
    );
    const assertion = expect(done).rejects.toThrow("down");
    await vi.advanceTimersByTimeAsync(30);
    await assertion;
  });
});
