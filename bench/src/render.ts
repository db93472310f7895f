// Renders a run's report, summary and charts again from its raw.json, with the current report code:
//   tsx src/render.ts <folder under results/> [--latest]
// Nothing is measured: the figures are the run's own. Use it when the report's rules or wording change, so every
// committed run reads by the same rules (say so in the commit). `--latest` also rewrites results/latest.json.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type RawResults, writeResults } from "./report/write-results.js";

const args = process.argv.slice(2);
const folder = args.find((a) => !a.startsWith("--"));
if (!folder || folder.includes("/") || folder.includes("..")) {
  process.stderr.write("usage: tsx src/render.ts <folder under bench/results/> [--latest]\n");
  process.exit(2);
}
const path = fileURLToPath(new URL(`../results/${folder}/raw.json`, import.meta.url));
const raw = JSON.parse(readFileSync(path, "utf8")) as RawResults;
const { report, goals } = writeResults(raw, folder, args.includes("--latest"));
const count = (status: string) => goals.filter((g) => g.status === status).length;
process.stdout.write(
  `${report}: ${count("met")} met, ${count("missed")} missed, ${count("inconclusive")} inconclusive\n`,
);
