// Names the top CPU costs of a V8 CPU profile (`node --cpu-prof`), e.g. the policy-push client that bench:policy-push
// profiles with `--profile DIR`: self time by function and by origin (undici, zod, node internals, each Outrigger
// package), and time including callees for the functions that take most, each sample counting one sampling interval. Only samples from `--from-us` on (µs of
// the monotonic clock, which V8's profile timestamps use on Linux) count, so start-up does not; `--applies N`
// divides the busy time per apply.
// Usage: node --import tsx bench/cpu-profile-top.ts PROFILE_OR_DIR [--from-us N] [--applies N] [--top N]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly samples: number[];
  readonly timeDeltas: number[];
}

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const given = process.argv[2] ?? ".";
// In a directory, the main thread's profile: `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`, thread 0 (a
// module loader such as tsx runs its hooks on a thread of its own, profiled into a file of its own).
const path = statSync(given).isDirectory()
  ? join(given, readdirSync(given).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f)) ?? "")
  : given;
const profile = JSON.parse(readFileSync(path, "utf8")) as Profile;
const endUs = profile.startTime + profile.timeDeltas.reduce((a, b) => a + b, 0);
const wanted = arg("from-us", 0);
// A mark outside the profile's span means the clocks differ after all: count everything and say so.
const fromUs = wanted >= profile.startTime && wanted <= endUs ? wanted : 0;
if (fromUs !== wanted)
  console.log(`--from-us ${wanted} is outside the profile (${profile.startTime}–${endUs} µs): all samples count`);
const applies = arg("applies", 0);
const top = arg("top", 25);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const IDLE = new Set(["(idle)", "(root)"]);

/** Where a frame's code comes from: a dependency, Node itself, an Outrigger package, or V8's own entries. */
function origin(url: string, name: string): string {
  if (!url) return name.startsWith("(") ? name : "(native)";
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1] ?? "dependency";
  const pkg = /packages\/([^/]+)\//.exec(url) ?? /tools\/([^/]+)\//.exec(url);
  if (pkg) return `@outrigger/${pkg[1]}`;
  if (url.startsWith("node:")) return url.startsWith("node:internal/deps/undici") ? "node's undici" : "node internals";
  return url.split("/").slice(-2).join("/");
}
const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url ? `${url.replace(/^.*\/(packages|node_modules)\//, "$1/")}:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"} ${file}`.trim();
};

const interval = [...profile.timeDeltas].sort((a, b) => a - b)[Math.floor(profile.timeDeltas.length / 2)] ?? 0;
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const origins = new Map<string, number>();
let busyUs = 0;
let idleUs = 0;
let at = profile.startTime;
for (const [i, id] of profile.samples.entries()) {
  at += profile.timeDeltas[i] ?? 0;
  // Each sample counts one sampling interval: on a loaded machine the gap to the next sample also holds the time
  // the process waited for a core, which would be charged to whatever ran last before it.
  const us = interval;
  const node = byId.get(id);
  if (at < fromUs || !node) continue;
  if (IDLE.has(node.callFrame.functionName)) {
    idleUs += us;
    continue;
  }
  busyUs += us;
  const key = label(node);
  self.set(key, (self.get(key) ?? 0) + us);
  const from = origin(node.callFrame.url, node.callFrame.functionName);
  origins.set(from, (origins.get(from) ?? 0) + us);
  const seen = new Set<string>();
  for (let n: ProfileNode | undefined = node; n; n = byId.get(parent.get(n.id) ?? -1)) {
    const k = label(n);
    if (seen.has(k) || IDLE.has(n.callFrame.functionName)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + us);
  }
}

const ms = (us: number) => (us / 1_000).toFixed(1).padStart(8);
const share = (us: number) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`;
const list = (title: string, m: Map<string, number>, n: number) => {
  console.log(title);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${ms(us)} ms ${share(us)}  ${k}`);
};
console.log(`${path}: busy ${ms(busyUs).trim()} ms, idle ${ms(idleUs).trim()} ms, from ${fromUs} µs`);
if (applies > 0) console.log(`busy per apply: ${(busyUs / applies / 1_000).toFixed(3)} ms over ${applies} applies`);
list("self time by origin:", origins, 15);
list(`self time, top ${top} functions:`, self, top);
list(`time with callees, top ${top} functions:`, inclusive, top);
