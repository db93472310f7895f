// Prints two or more runs' goal verdicts side by side, with how many agree and the replication capture of their
// intervals (report/run-comparison.ts):
//   tsx src/compare.ts <folder under results/> <folder> [...]
// Nothing is measured. A summary rendered before its goals carried their intervals compares by verdict only; render
// it again first (`bench:render <folder>`).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compareRuns, comparisonMarkdown, type RecordedRun, setupDifferences } from "./report/run-comparison.js";

const folders = process.argv.slice(2).filter((a) => a !== "--");
if (folders.length < 2 || folders.some((f) => f.includes("/") || f.includes(".."))) {
  process.stderr.write("usage: bench:compare <folder under bench/results/> <folder> [...]\n");
  process.exit(2);
}
const file = (name: string, what: string) => fileURLToPath(new URL(`../results/${name}/${what}`, import.meta.url));
const setups: Record<string, unknown>[] = [];
const runs: RecordedRun[] = folders.map((name) => {
  const summary = JSON.parse(readFileSync(file(name, "summary.json"), "utf8")) as {
    goals?: RecordedRun["goals"];
    options?: Record<string, unknown>;
  };
  // The method lives in raw.json only (from 2026-12-01 on); a run without one says "(absent)".
  let method: Record<string, unknown> = {};
  try {
    method =
      (JSON.parse(readFileSync(file(name, "raw.json"), "utf8")) as { method?: Record<string, unknown> }).method ?? {};
  } catch {
    // No raw.json (an older folder): compare the options alone.
  }
  setups.push({ ...summary.options, ...method });
  return { name, goals: summary.goals ?? [] };
});
process.stdout.write(comparisonMarkdown(compareRuns(runs)));
const differ = setupDifferences(setups);
process.stdout.write(
  differ.length === 0
    ? "Measured the same way (options and method): a pair if the SDK code was the same too.\n"
    : `Not a pair: the runs differ in ${differ.join(", ")} (summary.json options, raw.json method).\n`,
);
