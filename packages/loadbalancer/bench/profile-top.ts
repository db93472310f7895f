// `tsx bench/profile-top.ts FILE.cpuprofile [top]`: the self time of a V8 CPU profile (`node --cpu-prof`) by
// function and by part — Outrigger's sources, undici, the other packages, Node's own library, GC, the rest — as
// shares of the non-idle samples, so two profiles (before and after a change) can be compared line by line.
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: tsx bench/profile-top.ts FILE.cpuprofile [top]");
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, "utf8")) as { nodes: ProfileNode[] };

/** The part of the process a frame belongs to. */
function partOf(functionName: string, url: string): string {
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(idle)") return "idle";
  if (functionName === "(program)" || url === "") return "V8 and native (program, builtins)";
  if (url.includes("/undici/")) return "undici";
  if (url.includes("/node_modules/")) return "other packages";
  if (url.startsWith("node:")) return "Node's library (net, streams, timers, …)";
  if (url.includes("/bench/")) return "the bench's own loop";
  return "Outrigger";
}

const byFunction = new Map<string, number>();
const byPart = new Map<string, number>();
let busy = 0;
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const part = partOf(functionName, url);
  byPart.set(part, (byPart.get(part) ?? 0) + hits);
  if (part === "idle") continue;
  busy += hits;
  const where = url ? `${url.replace(/^.*\/(packages|node_modules)\//, "")}:${lineNumber + 1}` : "";
  const key = `${functionName || "(anonymous)"} ${where}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
}

const share = (hits: number) => `${((100 * hits) / busy).toFixed(1)}%`;
console.log(`${busy} non-idle samples (idle ${byPart.get("idle") ?? 0})\n\n| part | self time |\n|---|---|`);
for (const [part, hits] of [...byPart].sort((a, b) => b[1] - a[1]))
  if (part !== "idle") console.log(`| ${part} | ${share(hits)} |`);
console.log(`\n| function | self time |\n|---|---|`);
for (const [key, hits] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`| ${key} | ${share(hits)} |`);
