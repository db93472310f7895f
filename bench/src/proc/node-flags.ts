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
 *
 * `--min-semi-space-size=16` (from run 2026-12-04-full-24 on): the young generation kept at the 16 MB semi-spaces a
 * loaded Node process grows it to (V8's default maximum on 64-bit), never shrunk. V8 shrinks new space at a scavenge
 * when the allocation rate has been below 1 MB/s (`Heap::ShouldResizeNewSpace`, `kLowAllocationThroughput` = 1 000
 * bytes/ms, src/heap/heap.cc) — what a client idling through the other variants' windows does — so each client met
 * its next fast window with a 1 MB young generation: ~3× the scavenges, far more promotion, and a mark-compact within
 * ~2 s of the load (traced with `BENCH_TRACE_GC`, 2026-12-04: `sdk` after 30 s idle, the first scavenge at 2 000/s cut
 * its heap from 62.9 to 31.9 MB committed, 153 scavenges in the next 6 s against 52 with the flag, and a mark-compact
 * at 27 MB, where its limit under load was ~53). In a 7-variant probe (1 000 and 2 000/s, 6 passes) `sdk` and
 * `direct-undici` mark-compacted in 6 of 6 windows at 2 000/s and 0 of 6 at 1 000/s without it, 1 of 6 each with it.
 * A service at a steady rate never idles into a small young generation; the flag holds every Node process, both
 * sides' clients alike, at the size a steady load keeps.
 */
export const V8_FLAGS: readonly string[] = ["--no-memory-reducer", "--min-semi-space-size=16"];

/** The command that runs `file` with the bench's V8 flags (`V8_FLAGS`), `--trace-gc` too when `traceGc`. */
export function nodeCommand(file: string, tsx: string, traceGc = false): [string, string[]] {
  const flags = traceGc ? [...V8_FLAGS, "--trace-gc"] : V8_FLAGS;
  return [process.execPath, [...flags, "--import", tsx, file]];
}
