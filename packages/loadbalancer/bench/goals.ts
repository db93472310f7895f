import type { Row } from "./scenarios.js";

/** One goal of the issue, checked against the averaged figures. */
export interface Goal {
  readonly scenario: string;
  readonly goal: string;
  readonly measured: string;
  readonly pass: boolean;
}

const pct = (x: number | undefined): string => `${((x ?? Number.NaN) * 100).toFixed(2)}%`;

/** Checks the goals a–h; a missing row (scenario not run) is skipped. */
export function checkGoals(rows: readonly Row[]): Goal[] {
  const find = (scenario: string, rule: string) => rows.find((r) => r.scenario === scenario && r.rule === rule);
  const goals: Goal[] = [];
  const add = (scenario: string, goal: string, measured: string, pass: boolean) =>
    goals.push({ scenario, goal, measured, pass });

  const aE = find("a", "p2c-peak-ewma");
  const aR = find("a", "round-robin");
  if (aE && aR) {
    add("a", "peak-EWMA sends <= 1% to the slow instance", pct(aE.badShare), aE.badShare <= 0.01);
    add(
      "a",
      "peak-EWMA p99 <= half of round robin's",
      `${aE.p99.toFixed(1)} vs ${aR.p99.toFixed(1)} ms`,
      aE.p99 <= aR.p99 / 2,
    );
  }
  const bE = find("b", "p2c-peak-ewma");
  if (bE) {
    add("b", "peak-EWMA sends <= 3% to the slow instance", pct(bE.badShare), bE.badShare <= 0.03);
    const max = bE.extra?.maxEqualShare ?? 1;
    add("b", "no equal instance above 30%", pct(max), max <= 0.3);
  }
  const cE = find("c", "p2c-peak-ewma");
  if (cE) {
    const regained = cE.extra?.regainedFairShare ?? 0;
    add("c", "recovered instance regains >= 0.4x fair share in the window", `${regained.toFixed(2)}x`, regained >= 0.4);
  }
  const dR = find("d", "round-robin");
  for (const rule of ["p2c-least-request", "p2c-peak-ewma"]) {
    const d = find("d", rule);
    if (d && dR) {
      add("d", `${rule} keeps the small instance <= 15%`, pct(d.badShare), d.badShare <= 0.15);
      add(
        "d",
        `${rule} p99 bounded (<= round robin's)`,
        `${d.p99.toFixed(1)} vs ${dR.p99.toFixed(1)} ms`,
        d.p99 <= dR.p99,
      );
    }
  }
  for (const row of rows.filter((r) => r.scenario === "e" && r.rule.endsWith("+ outlier"))) {
    add("e", `${row.rule}: errors <= 0.5%`, pct(row.errorRate), row.errorRate <= 0.005);
  }
  for (const row of rows.filter((r) => r.scenario === "f" && !r.rule.includes("no retry"))) {
    add("f", `${row.rule}: 0 client-visible errors`, pct(row.errorRate), row.errorRate === 0);
  }
  for (const row of rows.filter((r) => r.scenario === "g" && r.rule.includes("slow start"))) {
    add("g", `${row.rule}: new instance <= 10% in the first window`, pct(row.badShare), row.badShare <= 0.1);
  }
  for (const row of rows.filter((r) => r.scenario === "h")) {
    const local = row.extra?.localShareBefore ?? 0;
    add(
      "h",
      `${row.rule}: 100% local, then failover without errors`,
      `${pct(local)} local, ${pct(row.errorRate)} errors`,
      local === 1 && row.errorRate === 0,
    );
  }
  return goals;
}
