import { describe, expect, it } from "vitest";
import { roundOrder, steadyPlan } from "./steady-plan.js";

describe("steady plan", () => {
  const repsOf = (rate: number): number => (rate >= 1_000 ? 20 : 6);

  it("runs every rate's repetitions once each, in order", () => {
    const plan = steadyPlan([100, 300, 1_000, 2_000], repsOf);
    for (const rate of [100, 300, 1_000, 2_000]) {
      const reps = plan.filter((r) => r.rate === rate).map((r) => r.rep);
      expect(reps).toEqual(Array.from({ length: repsOf(rate) }, (_, i) => i));
    }
    expect(plan).toHaveLength(2 * 6 + 2 * 20);
  });

  it("spreads the rates with fewer repetitions over the whole phase instead of running them first", () => {
    const plan = steadyPlan([100, 1_000], repsOf);
    const slow = plan.flatMap((r, i) => (r.rate === 100 ? [i] : []));
    // 26 rounds: the six slow ones are in every third-or-fourth pass, the last one in the final pass.
    expect(slow[0]).toBeGreaterThan(0);
    expect(slow[5]).toBeGreaterThan(plan.length - 3);
    const gaps = slow.slice(1).map((at, i) => at - (slow[i] as number));
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(2);
  });

  it("keeps plain interleaving (rep → rate) when every rate has the same count, and plans nothing without rates", () => {
    expect(steadyPlan([100, 200], () => 2)).toEqual([
      { rate: 100, rep: 0, pass: 0 },
      { rate: 200, rep: 0, pass: 0 },
      { rate: 200, rep: 1, pass: 1 },
      { rate: 100, rep: 1, pass: 1 },
    ]);
    expect(steadyPlan([], () => 3)).toEqual([]);
  });

  it("never puts two repetitions of one rate in one pass, so each repetition gets its own client processes", () => {
    const plan = steadyPlan([100, 200, 1_000, 2_000], repsOf);
    const seen = new Set<string>();
    for (const { rate, pass } of plan) {
      expect(seen.has(`${rate}@${pass}`)).toBe(false);
      seen.add(`${rate}@${pass}`);
    }
    expect(Math.max(...plan.map((r) => r.pass))).toBe(19);
    // Passes come in order: the phase restarts its clients when the pass changes, never twice for one pass.
    expect(plan.map((r) => r.pass)).toEqual([...plan.map((r) => r.pass)].sort((a, b) => a - b));
  });

  it("rotates the rates inside each pass, so every rate is a pass's last about as often (where a client's heap is fullest)", () => {
    // The full run's plan: 24 repetitions at 100–300/s, 20 at the fast rates.
    const rates = [100, 200, 300, 1_000, 2_000];
    const plan = steadyPlan(rates, (rate) => (rate >= 1_000 ? 20 : 24));
    const passes = [...new Set(plan.map((r) => r.pass))];
    const last = passes.map((pass) => plan.filter((r) => r.pass === pass).at(-1)?.rate);
    const first = passes.map((pass) => plan.filter((r) => r.pass === pass)[0]?.rate);
    for (const rate of rates) {
      // With a fixed order 2 000/s was last in all 20 passes it ran in, 100/s first in all 24.
      expect(last.filter((r) => r === rate).length).toBeGreaterThanOrEqual(3);
      expect(last.filter((r) => r === rate).length).toBeLessThanOrEqual(7);
      expect(first.filter((r) => r === rate).length).toBeGreaterThanOrEqual(3);
    }
    expect(last.filter((r) => r === 2_000)).toHaveLength(4);
  });
});

describe("roundOrder", () => {
  it("rotates the variants by the repetition, so each leads one round in n", () => {
    expect(roundOrder(["a", "b", "c"], 0)).toEqual(["a", "b", "c"]);
    expect(roundOrder(["a", "b", "c"], 1)).toEqual(["b", "c", "a"]);
    expect(roundOrder(["a", "b", "c"], 5)).toEqual(["c", "a", "b"]);
  });
});
