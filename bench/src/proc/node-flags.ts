/**
 * V8 flags of every bench Node process (generator, upstreams, registry, clients, the sidecar's sync agent).
 *
 * `--no-memory-reducer`: V8's memory reducer shrinks the heap of a process whose allocation rate has fallen: a full
 * mark-compact 8 s after the last one, then more 0.5 s apart (`src/heap/memory-reducer.cc`: `kLongDelayMs`,
 * `kShortDelayMs`; the `--gc-memory-reducer-start-delay-ms` flag). Here most processes idle most of the time — every
 * variant's client lives through the pass while one is measured, the upstreams and the sync agent idle between
 * windows — and their reducer GCs (1–29 ms pauses, traced with `BENCH_TRACE_GC`) landed in other variants' windows:
 * on the client core they delayed the measured client's event loop, on the load core an upstream held requests (time
 * its `Server-Timing` does not count). The first window after a pass's warm-ups had about twice the p99 of the
 * others (1 000/s, 60 rounds: medians 3.9–6.9 ms against 1.8–2.7 ms; runs 2026-12-03-exp-1000-r20 and -r40) and the
 * undici pair's p99 difference at 1 000/s intervals 1.6–3.0 ms wide. With the reducer off no reducer GC ran, the
 * first window was like the others and that interval was 0.47 ms wide from 8 repetitions (results
 * 2026-12-03-memory-reducer-gc-trace, before, and 2026-12-03-no-memory-reducer, after). It is off in every Node
 * process alike, the SDK's client and the sidecar variants' Node client included: a client under load allocates too
 * fast for its own reducer to start, and the GC it does do (scavenges, mark-compacts as its heap grows) is unchanged.
 */
const V8_FLAGS = ["--no-memory-reducer"];

/** The command that runs `file` with the bench's V8 flags (`V8_FLAGS`), `--trace-gc` too when `traceGc`. */
export function nodeCommand(file: string, tsx: string, traceGc = false): [string, string[]] {
  const flags = traceGc ? [...V8_FLAGS, "--trace-gc"] : V8_FLAGS;
  return [process.execPath, [...flags, "--import", tsx, file]];
}
