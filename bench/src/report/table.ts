/** Markdown helpers of the report. */
import type { Spread } from "@outrigger/bench-stats";

/** `median (min–max)` with `digits` decimals; "n/a" for no data. */
export function formatSpread(s: Spread | undefined, digits = 2): string {
  if (!s || !Number.isFinite(s.median)) return "n/a";
  if (s.n === 1) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

/** A Markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}
