import { describe, expect, it } from "vitest";
import { RetryBudget, RetryBudgets } from "./retry-budget.js";

function fakeClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Withdraws until refused; returns how many retries the budget allowed. */
function drain(budget: RetryBudget): number {
  let n = 0;
  while (budget.tryWithdraw()) n++;
  return n;
}

describe("RetryBudget (Finagle/Linkerd semantics)", () => {
  it("starts with the floor: minRetriesPerSec × ttl", () => {
    expect(drain(new RetryBudget({ clock: fakeClock() }))).toBe(100);
  });

  it("allows 20% of requests on top of the floor", () => {
    const budget = new RetryBudget({ clock: fakeClock() });
    for (let i = 0; i < 1_000; i++) budget.deposit();
    expect(drain(budget)).toBe(300);
  });

  it("forgets deposits and withdrawals after the ttl, even across a long idle gap", () => {
    const clock = fakeClock();
    const budget = new RetryBudget({ clock, minRetriesPerSec: 0 });
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.balance).toBe(20);
    clock.advance(5_000);
    expect(drain(budget)).toBe(20);
    clock.advance(5_000);
    // The deposits expired with the withdrawals' slots not yet expired: the balance goes negative, then recovers.
    expect(budget.tryWithdraw()).toBe(false);
    clock.advance(3_600_000);
    expect(budget.balance).toBe(0);
    for (let i = 0; i < 5; i++) budget.deposit();
    expect(drain(budget)).toBe(1);
  });

  it("reports exhaustion", () => {
    const budget = new RetryBudget({ clock: fakeClock(), minRetriesPerSec: 0 });
    const events: unknown[] = [];
    budget.onBudgetExhausted((e) => events.push(e));
    expect(budget.tryWithdraw()).toBe(false);
    expect(events).toEqual([{ balance: 0 }]);
  });

  it("RetryBudgets shares one budget per service", () => {
    const budgets = new RetryBudgets({ clock: fakeClock() });
    expect(budgets.for("users")).toBe(budgets.for("users"));
    expect(budgets.for("users")).not.toBe(budgets.for("orders"));
  });

  it("rejects out-of-range settings with a typed error naming the field", () => {
    expect(() => new RetryBudget({ percentCanRetry: 2 })).toThrow(/percentCanRetry/);
    expect(() => new RetryBudget({ ttlMs: 10 })).toThrow(/ttlMs/);
  });
});
