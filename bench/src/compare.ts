// Prints two or more runs' goal verdicts side by side, with how many agree and the replication capture of their
// intervals (report/run-comparison.ts):
//   tsx src/compare.ts <folder under results/> <folder> [...]
// Nothing is measured. A summary rendered before its goals carried their intervals compares by verdict only; render
// it again first (`bench:render <folder>`).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compareRuns, comparisonMarkdown, type RecordedRun } from "./report/run-comparison.js";

const folders = process.argv.slice(2).filter((a) => a !== "--");
if (folders.length < 2 || folders.some((f) => f.includes("/") || f.includes(".."))) {
  process.stderr.write("usage: bench:compare <folder under bench/results/> <folder> [...]\n");
  process.exit(2);
}
const runs: RecordedRun[] = folders.map((name) => {
  const path = fileURLToPath(new URL(`../results/${name}/summary.json`, import.meta.url));
  const summary = JSON.parse(readFileSync(path, "utf8")) as { goals?: RecordedRun["goals"] };
  return { name, goals: summary.goals ?? [] };
});
process.stdout.write(comparisonMarkdown(compareRuns(runs)));
