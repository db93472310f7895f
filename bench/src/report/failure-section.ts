import { FAILURE_SCENARIOS } from "../scenarios/failure-scenarios.js";
import type { FailureSummary } from "./summarise.js";
import { formatSpread, table } from "./table.js";

/** Decimals for a scenario figure: ratios 3, times 2, counts 0. */
function figureDigits(name: string): number {
  if (name.includes("Amplification")) return 3;
  return ["propagationMs", "firstObeyingRequestMs", "lastOldRouteRequestMs"].includes(name) ? 2 : 0;
}

/** The report's failure scenarios: per scenario, one row per arm (spreads over runs) and its errors chart. */
export function failureSection(failures: Record<string, Record<string, FailureSummary>>): string[] {
  const out: string[] = ["## Failure scenarios", ""];
  for (const scenario of FAILURE_SCENARIOS) {
    const byArm = failures[scenario.name];
    if (!byArm) continue;
    const figureNames = [...new Set(Object.values(byArm).flatMap((a) => Object.keys(a.figures)))];
    out.push(`### ${scenario.title}`, "", scenario.what, "");
    out.push(
      table(
        [
          "arm",
          "runs",
          "client-visible errors",
          "error rate",
          "p99 ms",
          ...figureNames,
          "failed calls by cause (all runs)",
        ],
        Object.entries(byArm).map(([arm, s]) => [
          arm,
          String(s.runs),
          formatSpread(s.errors, 0),
          formatSpread(s.errorRate, 4),
          formatSpread(s.p99Ms, 1),
          ...figureNames.map((n) => formatSpread(s.figures[n], figureDigits(n))),
          Object.entries(s.failureCodes)
            .map(([code, n]) => `${code} ${n}`)
            .join(", ") || "—",
        ]),
      ),
      "",
      `![errors over time: ${scenario.name}](errors-${scenario.name}.svg)`,
      "",
    );
  }
  return out;
}
