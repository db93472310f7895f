// `node --expose-gc --min-semi-space-size=128 --max-semi-space-size=128 --conditions=@outrigger/source --import tsx
// bench/policy-layers.ts [concurrency] [rounds]`: what each layer of the full policy (bench/full-policy.ts: retry 3,
// consecutive breaker, bulkhead 64 + 64, timeout 2 s) and their composition cost per call on their own, around a
// stand-in for the transport (a promise settled on the next `setImmediate`, all callers of a turn at once), with
// `concurrency` callers in a closed loop (default 32; at 128 half of them wait in the bulkhead). Per layer: heap
// bytes allocated per call (from windows with a forced GC before and none inside: a large young generation) and
// CPU ns per call (`process.cpuUsage`), each less the stand-in's own, as a mean with a 95% interval over `rounds`
// interleaved rounds (default 7). Bytes are the steady figure on a shared machine; CPU ns move with the load.
// With `LB_BENCH_BASELINE=/path/to/a/checkout`, the same layers built from that checkout's sources run beside these.
import { formatInterval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import type { Policy } from "@outrigger/resilience";

const concurrency = Number(process.argv[2] ?? 32);
const rounds = Number(process.argv[3] ?? 7);
const CALLS = 15_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc (see the comment at the top)");

let due: (() => void)[] = [];
const settleDue = () => {
  const now = due;
  due = [];
  for (const resolve of now) resolve();
};
/** The transport stand-in: settles on the next check phase, with every other call of this turn. */
const transport = () =>
  new Promise<void>((resolve) => {
    if (due.length === 0) setImmediate(settleDue);
    due.push(resolve);
  });
const call = { method: "GET", idempotent: true, replayable: true, deadline: undefined, tried: new Set<string>() };

/** The layers of one checkout (this one, or `LB_BENCH_BASELINE`'s), each alone and composed as the full policy. */
async function layersOf(root: string, label: string): Promise<[string, Policy | undefined][]> {
  const r = await import(`${root}/packages/resilience/src/index.ts`);
  const retry = () => r.createRetryPolicy({ maxAttempts: 3 });
  const breaker = () =>
    r.createCircuitBreaker({ mode: { kind: "consecutive", threshold: 5 }, halfOpenAfterMs: 10_000 });
  const bulkhead = () => r.createBulkheadPolicy({ maxConcurrent: 64, maxQueue: 64 });
  const timeout = () => r.createTimeoutPolicy({ ms: 2_000 });
  return [
    [`retry${label}`, retry()],
    [`breaker${label}`, breaker()],
    [`bulkhead${label}`, bulkhead()],
    [`timeout${label}`, timeout()],
    [`full policy${label}`, r.composePolicies(retry(), breaker(), bulkhead(), timeout())],
  ];
}

async function closedLoop(policy: Policy | undefined, total: number): Promise<void> {
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await (policy ? policy.execute(transport, undefined, call) : transport());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Bytes and CPU ns per call of one cell. */
async function cell(policy: Policy | undefined): Promise<{ bytes: number; ns: number }> {
  gc?.();
  const heap = process.memoryUsage().heapUsed;
  const cpu = process.cpuUsage();
  await closedLoop(policy, CALLS);
  const used = process.cpuUsage(cpu);
  const bytes = (process.memoryUsage().heapUsed - heap) / CALLS;
  return { bytes, ns: ((used.user + used.system) * 1_000) / CALLS };
}

const baseline = process.env.LB_BENCH_BASELINE;
const layers: [string, Policy | undefined][] = [
  ["transport stand-in alone", undefined],
  ...(await layersOf(new URL("../../..", import.meta.url).pathname.replace(/\/$/, ""), "")),
  ...(baseline ? await layersOf(baseline, " (baseline)") : []),
];
console.log(`${loadAverageLine()}; ${concurrency} callers, ${CALLS} calls per cell, ${rounds} rounds`);
for (const [, policy] of layers) await closedLoop(policy, 20_000); // JIT warm-up
const figures = new Map<string, { bytes: number[]; ns: number[] }>();
for (let round = 0; round < rounds; round++) {
  const order = layers.map((_, i) => layers[(i + round) % layers.length] as [string, Policy | undefined]);
  const stand = await cell(undefined);
  for (const [name, policy] of order) {
    const { bytes, ns } = policy ? await cell(policy) : stand;
    const entry = figures.get(name) ?? { bytes: [], ns: [] };
    entry.bytes.push(policy ? bytes - stand.bytes : bytes);
    entry.ns.push(policy ? ns - stand.ns : ns);
    figures.set(name, entry);
  }
}
console.log("\n| layer (less the stand-in) | heap bytes / call | CPU ns / call |\n|---|---|---|");
for (const [name, { bytes, ns }] of figures) {
  console.log(`| ${name} | ${formatInterval(meanInterval(bytes), 0)} | ${formatInterval(meanInterval(ns), 0)} |`);
}
console.log(`\n${loadAverageLine()}`);
