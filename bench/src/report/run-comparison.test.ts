import { describe, expect, it } from "vitest";
import { compareRuns, comparisonMarkdown, type RecordedGoal, setupDifferences } from "./run-comparison.js";

const goal = (name: string, status: string, estimate?: number, lo?: number | null, hi?: number | null): RecordedGoal =>
  estimate === undefined
    ? { goal: name, status }
    : { goal: name, status, interval: { estimate, lo: lo ?? null, hi: hi ?? null } };

describe("compareRuns", () => {
  const a = {
    name: "run-a",
    goals: [
      goal("cpu", "met", -1, -1.2, -0.8),
      goal("p99 at 100/s", "met", -0.5, -0.9, -0.1),
      goal("only in a", "met"),
    ],
  };
  const b = {
    name: "run-b",
    goals: [goal("cpu", "met", -1.1, -1.3, -0.9), goal("p99 at 100/s", "inconclusive", 0.2, -0.2, 0.6)],
  };

  it("lines up goals by name and marks those whose verdicts differ or that a run lacks", () => {
    const c = compareRuns([a, b]);
    expect(c.runs).toEqual(["run-a", "run-b"]);
    expect(c.goals.map((g) => [g.goal, g.verdicts, g.same])).toEqual([
      ["cpu", ["met", "met"], true],
      ["p99 at 100/s", ["met", "inconclusive"], false],
      ["only in a", ["met", undefined], false],
    ]);
  });

  it("counts, over ordered pairs of runs, the estimates inside the other run's interval", () => {
    // cpu: −1.1 in [−1.2, −0.8] and −1 in [−1.3, −0.9]; p99: 0.2 outside [−0.9, −0.1], −0.5 outside [−0.2, 0.6].
    expect(compareRuns([a, b]).capture).toEqual({ captured: 2, pairs: 4 });
  });

  it("leaves out goals without a whole interval (old summaries, NaN bounds written as null)", () => {
    const old = { name: "old", goals: [goal("cpu", "met"), goal("p99 at 100/s", "inconclusive", 0.1, null, null)] };
    expect(compareRuns([a, old]).capture).toEqual({ captured: 0, pairs: 0 });
    expect(comparisonMarkdown(compareRuns([a, old]))).toContain("render them again");
  });

  it("renders a table and the counts", () => {
    const md = comparisonMarkdown(compareRuns([a, b]));
    expect(md).toContain("| p99 at 100/s | ✗ | met -0.500 [-0.900, -0.100] | inconclusive 0.200 [-0.200, 0.600] |");
    expect(md).toContain("| only in a | ✗ | met | – |");
    expect(md).toContain("Same verdict in every run: 1 of 3 goals.");
    expect(md).toContain("Replication capture: 2 of 4 (50%)");
    expect(md).toContain("about 83%");
  });
});

describe("setupDifferences", () => {
  it("names the options and method keys the runs did not share, ignoring the output folder", () => {
    const full22 = { reps: 24, fastReps: 20, rates: [100, 2_000], out: "full-22", goalPooling: "compared-cells" };
    const full23 = { ...full22, out: "full-23", rateOrder: "rotated" };
    expect(setupDifferences([full22, { ...full22, out: "again" }])).toEqual([]);
    expect(setupDifferences([full22, full23])).toEqual(["rateOrder"]);
    expect(setupDifferences([full22, { ...full23, reps: 12, rates: [100, 1_000] }])).toEqual([
      "rateOrder",
      "rates",
      "reps",
    ]);
  });
});
