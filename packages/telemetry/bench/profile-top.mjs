// Time by function in a V8 .cpuprofile (node --cpu-prof), heaviest first, as a share of the working (not idle)
// samples: self time, or with --inclusive the samples whose stack holds the function (counted once per sample):
//   node bench/profile-top.mjs DIR/*.cpuprofile [--top=N] [--inclusive] [--match=WORD]
// Of the files given, the one with the most working samples is read: tsx's loader thread writes a profile of its
// own, idle nearly throughout. --match keeps the functions whose name or file contains WORD.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const top = Number(flag("top") ?? 40);
const match = flag("match");
const inclusive = args.includes("--inclusive");
const profiles = args.filter((a) => !a.startsWith("--")).map((f) => JSON.parse(readFileSync(f, "utf8")));
const idleId = (p) => p.nodes.find((n) => n.callFrame.functionName === "(idle)")?.id;
const working = (p) => p.samples.filter((id) => id !== idleId(p)).length;
const profile = profiles.sort((a, b) => working(b) - working(a))[0];

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (id) => {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url
    .replace(/^.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "")
    .replace(/^file:\/\/.*\/packages\//, "");
  return `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
};
const counts = new Map();
const idle = idleId(profile);
for (const id of profile.samples) {
  if (id === idle) continue;
  const keys = new Set([keyOf(id)]);
  if (inclusive) for (let p = parent.get(id); p !== undefined; p = parent.get(p)) keys.add(keyOf(p));
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
}
const total = working(profile);
console.log(`${total} working samples (${profile.samples.length} in all); ${inclusive ? "inclusive" : "self"} time`);
for (const [key, n] of [...counts]
  .filter(([key]) => match === undefined || key.includes(match))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${key}`);
