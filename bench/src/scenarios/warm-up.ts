// How a new client's warm-up ends: closed-loop load until its first mark-compact under load (see `startWarm` in
// fresh.ts for why), then, in the steady phase, on to a random point of its heap cycle (`warmUp`), without the
// process plumbing, so the rule is tested on its own.
import { nowMs } from "../load/run.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import type { RunningVariant } from "./variant.js";
import type { VariantName } from "./variant-names.js";

const START_LEAD_MS = 100;

/** How a client's warm-up ended (`startWarm`). */
export interface WarmedUp {
  /** Closed-loop load it got, ms (`clientWarmupMs` plus the extension). */
  readonly warmupMs: number;
  /** Mark-compacts since its start when measuring began; `underLoad`: whether one came during the warm-up. */
  readonly majorGcs: number;
  readonly underLoad: boolean;
  /**
   * With a random phase: the client's heap cycle, ms of closed-loop load from one mark-compact under load to the
   * next (timed past its first), or "over the cap" when none came within `CYCLE_MAX_MS`.
   */
  readonly cycleMs?: number | "over the cap";
  /** …and, when timed, where in that cycle the warm-up left it (0 ≤ phase < 1, drawn uniformly). */
  readonly phase?: number;
}

/** The warm-up is extended in steps of this much load until the client's first mark-compact under load. */
const EXTENSION_STEP_MS = 500;
/**
 * …but by no more than this: about twice what the SDK's axios client needed on 2026-12-03's hosts (~26 000
 * requests, 3.5–6.5 s). A client that promotes too little to reach one by then (now and then `sdk-undici`, in
 * full-18) is measured as it is; the progress log says so ("cap reached").
 */
const EXTENSION_MAX_MS = 8_000;
/** The cycle is timed in steps of this much load; the client's own clock places the mark-compact inside a step. */
const CYCLE_STEP_MS = 1_000;
/**
 * The longest cycle timed (ms of closed-loop load). Cycles on 2026-12-04's host with the young generation free to
 * shrink: node:http clients 0.6–3.3 s, undici clients 0.7–9.6 s, `sdk` 0.5 s to ~29 s (V8 set its old-generation
 * limit anywhere from ~30 to ~53 MB after a mark-compact under load, from ~23 MB live, promoting ~1.5 MB/s in closed
 * loop: traced with `BENCH_TRACE_GC`); with the young generation held at 16 MB (`proc/node-flags.ts`) 0.5–2.8 s,
 * 0.8–6.5 s and 3.0–6.1 s (results/2026-12-04-fast-preview, raw.json `steadyWarmUps`). A client whose next
 * mark-compact has not come by then is measured there, `CYCLE_MAX_MS` into a longer cycle, and the progress log says
 * "over the cap": its pass's windows (~10 000 requests, ~1–3 s of closed-loop load) then hold at most a tenth of a
 * cycle, so leaving it unphased can hide a mark-compact from at most ~10% of its passes.
 */
const CYCLE_MAX_MS = 30_000;

/**
 * Closed-loop load on `variant` until its first mark-compact under load (see `startWarm`); with `randomPhase`, on in
 * `CYCLE_STEP_MS` steps until its next one, which times its heap cycle C (the load between the two, each placed by
 * the client's own clock: `sinceMajorGcMs`), then for X more, X drawn uniformly from [0, C) (`random()`): the client
 * then stands at a uniformly random point of its cycle, wherever in its last step the second came. Then it marks
 * the client warm.
 *
 * Why the random phase (rule set before run 2026-12-04-full-24, every Node client alike; steady phase only): a
 * client's next mark-compact comes when it has promoted a cycle's worth, so a warm-up that ends just after one puts
 * the next at the same place in every pass — for a client whose cycle is longer than a pass (`sdk`, ~29 s of load
 * at most) never in a window, for one that promotes much (the node:http clients) in the same window pass after pass.
 * From a uniformly random point, its next mark-compact falls in each window with the chance that window's share of
 * a cycle gives it — what a long-running service at that rate meets — and the intervals over repetitions carry that
 * chance. The cycle is each client's own: V8 sizes every process's heap from its own GC speed and live size, and
 * cycles of `sdk` clients differed by 50× on one host. (`sdk`'s mark-compact in 18 and 17 of 20 of full-22's and
 * full-23's 2 000/s windows had another cause, reproduced in short runs and gone with the young generation held at
 * its loaded size: `proc/node-flags.ts`.) The CPU phase leaves the phase out: its closed-loop windows count a
 * mark-compact as CPU per request, which its placement moves far less than a tail.
 */
export async function warmUp(
  variant: RunningVariant,
  generator: BenchProcess,
  options: Pick<BenchOptions, "clientWarmupMs" | "concurrency">,
  randomPhase = false,
  random: () => number = Math.random,
): Promise<WarmedUp> {
  // A command's reply, or the process's error for it, named.
  const ask = async (to: BenchProcess, what: string, command: Record<string, unknown>) => {
    const reply = await to.request(command);
    if (reply.error) throw new Error(`${what}: ${String(reply.error)}`);
    return reply;
  };
  const heap = async (): Promise<{ count: number; sinceMs: number }> => {
    const reply = await ask(variant.client, `client ${variant.name} (major-gcs)`, { cmd: "major-gcs" });
    return { count: reply.majorGcs as number, sinceMs: (reply.sinceMajorGcMs as number | undefined) ?? 0 };
  };
  const burst = async (ms: number): Promise<void> => {
    await ask(generator, `load generator (warm-up of ${variant.name})`, {
      cmd: "closed",
      url: variant.url,
      concurrency: options.concurrency,
      startAt: nowMs() + START_LEAD_MS,
      warmupMs: ms,
      durationMs: 0,
    });
  };
  // Load in `step`s while the mark-compact count stays `from.count`, for at most `maxMs`: the load given, and the
  // client's heap after it.
  const untilNext = async (from: { count: number }, step: number, maxMs: number) => {
    let loaded = 0;
    let now = await heap();
    while (now.count === from.count && loaded < maxMs) {
      await burst(step);
      loaded += step;
      now = await heap();
    }
    return { loaded, now };
  };
  const before = (await heap()).count;
  let warmupMs = 0;
  if (options.clientWarmupMs > 0) {
    await burst(options.clientWarmupMs);
    warmupMs =
      options.clientWarmupMs + (await untilNext({ count: before }, EXTENSION_STEP_MS, EXTENSION_MAX_MS)).loaded;
  }
  let phased: Pick<WarmedUp, "cycleMs" | "phase"> = {};
  const first = await heap();
  if (randomPhase && first.count > before) {
    // Load after the first, in steps, until the next: C = (load after the first) − (load after the next).
    const { loaded, now: next } = await untilNext(first, CYCLE_STEP_MS, CYCLE_MAX_MS);
    warmupMs += loaded;
    phased = { cycleMs: "over the cap" };
    if (next.count > first.count) {
      // Several in one step (a cycle shorter than the step) share the load between them.
      const cycleMs = Math.max(1, Math.round((first.sinceMs + loaded - next.sinceMs) / (next.count - first.count)));
      const extraMs = Math.floor(random() * cycleMs);
      if (extraMs > 0) await burst(extraMs);
      warmupMs += extraMs;
      phased = { cycleMs, phase: ((next.sinceMs + extraMs) % cycleMs) / cycleMs };
    }
  }
  const warmed = await ask(variant.client, `client ${variant.name} (warmed-up)`, { cmd: "warmed-up" });
  const after = warmed.majorGcs as number;
  return { warmupMs, majorGcs: after, underLoad: after > before, ...phased };
}

/** One line for the progress log: how a client's warm-up ended. */
export function describeWarm(variant: VariantName, w: WarmedUp): string {
  const why = w.underLoad ? "until its first mark-compact under load" : "no mark-compact under load (cap reached)";
  const phase =
    w.cycleMs === undefined
      ? ""
      : typeof w.cycleMs === "number"
        ? `, then to phase ${(w.phase ?? 0).toFixed(2)} of its ${w.cycleMs} ms heap cycle`
        : `, then ${CYCLE_MAX_MS} ms more with no mark-compact (cycle over the cap, no phase)`;
  return `warmed ${variant}: ${w.warmupMs} ms of closed-loop load, ${why}${phase}; ${w.majorGcs} since its start`;
}
