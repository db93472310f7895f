// Per-call state keyed by the call object — WeakMap vs Map vs a symbol slot — CPU of the whole process and of the
// main thread (schedstat), so GC work on helper threads shows. Medians of 15 interleaved rounds of 400 000 calls.
// Run: node --expose-gc bench/call-state-micro.mjs (a few seconds); the README's "Outrigger's share, settled" quotes it.
import { readFileSync } from "node:fs";

const N = 400_000;
const mainNs = () => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]);
class Call {
  constructor(i) {
    this.method = "GET";
    this.idempotent = true;
    this.i = i;
  }
}
const slot = Symbol("trace");
const wm = new WeakMap();
const m = new Map();
let sink = 0;
const variants = {
  none: (_c, s) => {
    sink += s.n;
  },
  weakmap: (c, s) => {
    wm.set(c, s);
    sink += wm.get(c).n;
    sink += wm.get(c).n;
    wm.delete(c);
  },
  map: (c, s) => {
    m.set(c, s);
    sink += m.get(c).n;
    sink += m.get(c).n;
    m.delete(c);
  },
  slot: (c, s) => {
    c[slot] = s;
    sink += c[slot].n;
    sink += c[slot].n;
    c[slot] = undefined;
  },
};
function run(name) {
  const f = variants[name];
  const cpu0 = process.cpuUsage();
  const main0 = mainNs();
  const keep = [];
  for (let i = 0; i < N; i++) {
    const c = new Call(i);
    f(c, { n: i });
    if (i % 64 === 0) keep.push(c); // some calls outlive the scavenge, as in-flight calls do
    if (keep.length > 256) keep.length = 0;
  }
  const u = process.cpuUsage(cpu0);
  return [((u.user + u.system) * 1000) / N, (mainNs() - main0) / N];
}
const names = Object.keys(variants);
for (let w = 0; w < 3; w++) for (const n of names) run(n);
const acc = Object.fromEntries(names.map((n) => [n, [[], []]]));
for (let r = 0; r < 15; r++)
  for (const n of [...names].sort(() => Math.random() - 0.5)) {
    const [p, t] = run(n);
    acc[n][0].push(p);
    acc[n][1].push(t);
    globalThis.gc?.();
  }
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const n of names)
  console.log(n, "process ns/call", med(acc[n][0]).toFixed(1), "main thread", med(acc[n][1]).toFixed(1));
console.log(sink > 0);
