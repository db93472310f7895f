// Prints each steady cell's windows grouped by their place in the pass that measured them (report/window-order.ts):
//   tsx src/window-order.ts <folder under results/>
// Nothing is measured. A first window (place 0) whose p99 stands above the others' means the harness disturbs the
// windows right after its clients start and warm up.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type RecordedSteady, windowOrder, windowOrderMarkdown } from "./report/window-order.js";
import { selectedVariants } from "./scenarios/variant-names.js";

const [folder] = process.argv.slice(2).filter((a) => a !== "--");
if (folder === undefined || folder.includes("/") || folder.includes("..")) {
  process.stderr.write("usage: bench:window-order <folder under bench/results/>\n");
  process.exit(2);
}
const path = fileURLToPath(new URL(`../results/${folder}/raw.json`, import.meta.url));
const raw = JSON.parse(readFileSync(path, "utf8")) as RecordedSteady & { options: { variants: string[] } };
process.stdout.write(windowOrderMarkdown(windowOrder(raw, selectedVariants(raw.options.variants))));
