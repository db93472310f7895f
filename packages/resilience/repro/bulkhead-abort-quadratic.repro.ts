// Reproduction, not part of the suite (newcomer, 2026-11-30). Run from the repository root:
//   node --conditions=@outrigger/source --import tsx packages/resilience/repro/bulkhead-abort-quadratic.repro.ts
// A queued call that aborts leaves the bulkhead's queue by `queue.indexOf(waiting)` + `queue.splice(at, 1)`
// (packages/resilience/src/bulkhead.ts, `leaveOnAbort`): O(queue length) each, so aborting a queue of n callers
// costs O(n²) CPU, all of it synchronous inside `AbortController.abort()`. One shared signal (a request-scoped or
// shutdown signal every queued call follows) aborting a full queue blocks the event loop. Measured 2026-11-30 on a
// shared 2-core box (load average 4.6): one shared signal, 10 000 queued 9 ms CPU, 40 000 queued 1 358 ms (×145);
// a signal each, newest first, 103 → 645 ms (×6.3); linear would be ×4. Exit code 1 when 4n costs over 8× n.
// Fixed (wait-queue.ts: a removed entry is marked, compacted in bulk): 2 → 6 ms and 86 → 254 ms (×2.9 both),
// same machine, load ~3. Kept as the measurement of that fix.
import { createBulkheadPolicy } from "../src/bulkhead.js";

// One reason for every abort: abort() without one builds a DOMException (a stack) each, a linear cost that hides
// the queue's.
const reason = new Error("aborted");

function abortCost(n: number, shared: boolean): number {
  const bulkhead = createBulkheadPolicy({ maxConcurrent: 1, maxQueue: n });
  bulkhead.execute(() => new Promise<void>(() => {})); // holds the only slot
  const one = new AbortController();
  const each = Array.from({ length: n }, () => new AbortController());
  for (let i = 0; i < n; i++) bulkhead.execute(() => 1, (shared ? one : each[i])?.signal).catch(() => {});
  const before = process.cpuUsage();
  if (shared) one.abort(reason);
  else for (let i = n - 1; i >= 0; i--) each[i]?.abort(reason); // last queued aborts first: indexOf scans the whole queue
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

let quadratic = false;
abortCost(5_000, true); // warm the JIT first: a cold small run looks slower than it is
abortCost(5_000, false);
for (const shared of [true, false]) {
  const small = Math.min(abortCost(10_000, shared), abortCost(10_000, shared), abortCost(10_000, shared));
  const large = Math.min(abortCost(40_000, shared), abortCost(40_000, shared));
  console.log(
    `${shared ? "one shared signal" : "one signal each, newest first"}: abort 10 000 queued ${small.toFixed(0)} ms CPU, 40 000 queued ${large.toFixed(0)} ms CPU (×${(large / small).toFixed(1)}; linear ≈ ×4)`,
  );
  if (large > 8 * small) quadratic = true;
}
process.exitCode = quadratic ? 1 : 0;
