import type { Fleet } from "../fleet/fleet.js";
import { nowMs } from "../load/run.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import { type RunningVariant, startVariant } from "./variant.js";
import type { VariantName } from "./variant-names.js";
import { type WarmedUp, warmUp } from "./warm-up.js";

/**
 * A client's burst starts at least this long after its start, so its start-up mark-compact (module loading, at ~13
 * MB heap, 0.6–0.9 s after start in the traces of 2026-12-03) is not taken for the one under load.
 */
const STARTUP_MS = 2_000;

/**
 * Starts `names` anew (client and, for the HAProxy variants, sidecar) and warms each one's client with a closed-loop
 * burst of `options.clientWarmupMs` at `options.concurrency` in flight, one after another so each burst has the
 * client core to itself — extended in 500 ms steps (at most 8 s) until the client has run its first mark-compact
 * under load, then, with `randomPhase` (the steady phase), on to a random point of its heap cycle (`warmUp`).
 * `onWarm` hears how each warm-up ended.
 *
 * Why until a mark-compact (rule set before run 2026-12-03-full-18, every Node client alike, the sidecar variants'
 * too): until then a Node process's old generation grows to V8's initial limit (~37 MB here), and that first
 * mark-compact then marks the whole start-up heap, ~25 ms of main-thread marking steps and pause on a client pinned
 * to one core. Clients that promote much (node:http's) reach it within the burst; the SDK's axios client only ~26 000
 * requests in, inside its 1 000 and 2 000/s windows — full-17's one miss (results/2026-12-03-sdk-gc-trace). After it
 * V8 sizes the heap from the live heap and the allocation rate, so the mark-compacts left in the windows are the
 * steady ones a long-running service has, at a place in the pass drawn anew for every client in the steady phase
 * (from run 2026-12-04-full-24 on; `warmUp`). Not a forced `gc()` instead: that sized the heap limit low (next
 * mark-compact at ~35 MB instead of ~88), and the node:http clients then mark-compacted in every 1 000/s window
 * (p99 36–132 ms against 14–20 ms: results/2026-12-03-warmup-rule).
 *
 * Why anew for every repetition: a Node process's own luck — which functions its JIT optimized and when, its heap
 * layout — lasts as long as the process. With one client per variant for the whole run every repetition shared it,
 * so the bootstrap over repetitions resampled only the machine's noise and its intervals were too narrow: two runs of
 * the same code disagreed beyond them (loadbalancer's `bench:transport` showed it, lb-undici ÷ bare 1.00 [0.91, 1.08]
 * then 1.28 [1.20, 1.37]). Why the burst: the steady phase's own warm-up is `warmupMs` at the cell's rate (1 s, 100
 * requests at 100/s), which leaves a new client in its JIT's cold tiers against a C sidecar that has none.
 */
export async function startWarm(
  names: readonly VariantName[],
  fleet: Fleet,
  generator: BenchProcess,
  options: Pick<BenchOptions, "clientWarmupMs" | "concurrency">,
  onWarm: (variant: VariantName, warm: WarmedUp) => void = () => undefined,
  randomPhase = false,
): Promise<Map<VariantName, RunningVariant>> {
  const running = new Map<VariantName, RunningVariant>();
  const startedAt = new Map<VariantName, number>();
  try {
    for (const name of names) {
      startedAt.set(name, nowMs());
      running.set(name, await startVariant(name, fleet));
    }
    for (const variant of running.values()) {
      const wait = (startedAt.get(variant.name) ?? 0) + STARTUP_MS - nowMs();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      onWarm(variant.name, await warmUp(variant, generator, options, randomPhase));
    }
    return running;
  } catch (error) {
    await closeAll(running);
    throw error;
  }
}

/** Stops every variant in `running` (clients, then their sidecars) and empties it. */
export async function closeAll(running: Map<VariantName, RunningVariant>): Promise<void> {
  for (const v of running.values()) await v.close();
  running.clear();
}
