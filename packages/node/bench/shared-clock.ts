/**
 * Milliseconds (sub-µs resolution) of the machine's monotonic clock: `process.hrtime` reads CLOCK_MONOTONIC
 * (libuv's `uv_hrtime`), one clock for every process on the host, so readings of the bench and of its client
 * processes subtract directly. `performance.timeOrigin + performance.now()` is not that: each process adds its own
 * sample of the wall clock, taken once at its start (Node's src/node_perf.cc: `timeOriginTimestamp`), so two
 * processes differ by their samples' errors and by any step of the wall clock between their starts.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
