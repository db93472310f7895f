import { FAILURE_SCENARIOS } from "../scenarios/failure-scenarios.js";
import { describeErrors, type ErrorComparison } from "./goals.js";
import type { FailureSummary } from "./summarise.js";
import { formatSpread, table } from "./table.js";

/** Decimals for a scenario figure: ratios 3, times 2, counts 0. */
function figureDigits(name: string): number {
  if (name.includes("Amplification")) return 3;
  return ["propagationMs", "firstObeyingRequestMs", "lastOldRouteRequestMs"].includes(name) ? 2 : 0;
}

/** Why a scenario's errors are not a goal, and its comparisons as figures; nothing for a judged scenario. */
function notJudged(why: string | undefined, comparisons: readonly ErrorComparison[]): string[] {
  if (!why) return [];
  return [
    `**Not a goal:** ${why}`,
    "",
    ...comparisons.map((c) => `- ${c.scenario}${c.policy}, \`${c.sdk}\`: ${describeErrors(c)}`),
    "",
  ];
}

/**
 * The report's failure scenarios: per scenario, one row per arm (spreads over runs) and its errors chart; for a
 * scenario whose errors are not a goal (`errorsNotJudged`), why, and its SDK − HAProxy comparisons (`comparisons`).
 */
export function failureSection(
  failures: Record<string, Record<string, FailureSummary>>,
  comparisons: readonly ErrorComparison[],
): string[] {
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
      ...notJudged(
        scenario.errorsNotJudged,
        comparisons.filter((c) => c.scenario === scenario.name),
      ),
      `![errors over time: ${scenario.name}](errors-${scenario.name}.svg)`,
      "",
    );
  }
  return out;
}
