// Two or more runs' goal verdicts side by side: which agree, and whether one run's intervals hold the others'
// estimates as often as intervals that carry all of the run-to-run spread would.
import { formatInterval } from "./goals.js";

/** A goal as a run's summary.json records it (`GoalCheck`; runs rendered before 2026-12-03 have no interval). */
export interface RecordedGoal {
  readonly goal: string;
  readonly status: string;
  readonly interval?: { readonly estimate: number | null; readonly lo: number | null; readonly hi: number | null };
}

/** One run: its name (the results folder) and its goals. */
export interface RecordedRun {
  readonly name: string;
  readonly goals: readonly RecordedGoal[];
}

/**
 * What the runs did not share that makes them not a pair: each run's options (summary.json, less `out`, the folder)
 * and method (raw.json's `method`: goal pooling, rate order, warm-up phase, V8 flags) as top-level keys, values
 * compared as JSON; the keys whose values differ between runs (a key one run lacks counts as differing), sorted.
 * Empty: the runs were measured the same way (a pair, if the code was the same too).
 */
export function setupDifferences(setups: readonly Readonly<Record<string, unknown>>[]): string[] {
  const flat = setups.map((setup) => {
    const out = new Map<string, string>();
    for (const [key, value] of Object.entries(setup)) if (key !== "out") out.set(key, JSON.stringify(value));
    return out;
  });
  const keys = new Set(flat.flatMap((f) => [...f.keys()]));
  return [...keys].filter((key) => new Set(flat.map((f) => f.get(key) ?? "(absent)")).size > 1).sort();
}

/** One goal across the runs; `verdicts[i]` is run i's (undefined: that run has no such goal). */
export interface GoalAcross {
  readonly goal: string;
  readonly verdicts: readonly (string | undefined)[];
  readonly intervals: readonly (RecordedGoal["interval"] | undefined)[];
  /** Every run has the goal and all verdicts are the same. */
  readonly same: boolean;
}

/**
 * Replication capture: over every ordered pair of runs (A, B) and every goal with a whole interval in both, how
 * often B's estimate lies inside A's interval. For 95% intervals of independent runs of equal precision whose only
 * spread is what each interval accounts for, that is about 83% (Cumming & Maillardet, "Confidence intervals and
 * replication: Where will the next mean fall?", Psychological Methods 11(3), 2006: P = 2Φ(1.96/√2) − 1 ≈ 0.834).
 * Clearly below it, the runs differ by more than one run's intervals show (the machine's state from run to run), so
 * verdicts whose intervals end near the threshold can move in the next run.
 */
export interface Capture {
  readonly captured: number;
  readonly pairs: number;
}

/** The capture expected of 95% intervals: 2Φ(1.96/√2) − 1 (see `Capture`). */
export const EXPECTED_CAPTURE = 0.834;

export interface RunComparison {
  readonly runs: readonly string[];
  readonly goals: readonly GoalAcross[];
  readonly capture: Capture;
}

const whole = (i: RecordedGoal["interval"]): i is { estimate: number; lo: number; hi: number } =>
  i !== undefined && [i.estimate, i.lo, i.hi].every((x) => typeof x === "number" && Number.isFinite(x));

/** Lines up `runs`' goals by name, in the order they first appear; see `RunComparison`. */
export function compareRuns(runs: readonly RecordedRun[]): RunComparison {
  const names: string[] = [];
  const byGoal = new Map<string, (RecordedGoal | undefined)[]>();
  runs.forEach((run, i) => {
    for (const g of run.goals) {
      let row = byGoal.get(g.goal);
      if (!row) {
        row = runs.map(() => undefined);
        byGoal.set(g.goal, row);
        names.push(g.goal);
      }
      row[i] = g;
    }
  });
  let captured = 0;
  let pairs = 0;
  const goals = names.map((goal): GoalAcross => {
    const row = byGoal.get(goal) ?? [];
    const verdicts = row.map((g) => g?.status);
    const intervals = row.map((g) => g?.interval);
    for (const [a, ia] of intervals.entries())
      for (const [b, ib] of intervals.entries()) {
        if (a === b || !whole(ia) || !whole(ib)) continue;
        pairs++;
        if (ib.estimate >= ia.lo && ib.estimate <= ia.hi) captured++;
      }
    const same = verdicts.every((v) => v !== undefined && v === verdicts[0]);
    return { goal, verdicts, intervals, same };
  });
  return { runs: runs.map((r) => r.name), goals, capture: { captured, pairs } };
}

const cell = (verdict: string | undefined, i: RecordedGoal["interval"]): string => {
  if (verdict === undefined) return "–";
  return whole(i) ? `${verdict} ${formatInterval(i)}` : verdict;
};

/** The comparison as markdown: a table (goals whose verdicts differ marked ✗), then the counts. */
export function comparisonMarkdown(c: RunComparison): string {
  const same = c.goals.filter((g) => g.same).length;
  const { captured, pairs } = c.capture;
  const share = pairs === 0 ? "n/a" : `${((100 * captured) / pairs).toFixed(0)}%`;
  return [
    `| goal | same | ${c.runs.join(" | ")} |`,
    `|---|---|${c.runs.map(() => "---|").join("")}`,
    ...c.goals.map(
      (g) => `| ${g.goal} | ${g.same ? "✓" : "✗"} | ${g.verdicts.map((v, i) => cell(v, g.intervals[i])).join(" | ")} |`,
    ),
    "",
    `Same verdict in every run: ${same} of ${c.goals.length} goals.`,
    pairs === 0
      ? "Replication capture: no goal has an interval in two runs (summaries rendered before 2026-12-03 have none: render them again)."
      : `Replication capture: ${captured} of ${pairs} (${share}) estimates lie inside another run's interval; 95% intervals that carry all of the run-to-run spread hold about ${(100 * EXPECTED_CAPTURE).toFixed(0)}%.`,
    "",
  ].join("\n");
}
