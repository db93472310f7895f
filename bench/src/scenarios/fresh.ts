import type { Fleet } from "../fleet/fleet.js";
import { nowMs } from "../load/run.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import { type RunningVariant, startVariant } from "./variant.js";
import type { VariantName } from "./variant-names.js";

const START_LEAD_MS = 100;

/**
 * Starts `names` anew (client and, for the HAProxy variants, sidecar) and warms each one's client with a closed-loop
 * burst of `options.clientWarmupMs` at `options.concurrency` in flight, one after another so each burst has the
 * client core to itself.
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
): Promise<Map<VariantName, RunningVariant>> {
  const running = new Map<VariantName, RunningVariant>();
  try {
    for (const name of names) running.set(name, await startVariant(name, fleet));
    if (options.clientWarmupMs > 0) {
      for (const variant of running.values()) {
        const reply = await generator.request({
          cmd: "closed",
          url: variant.url,
          concurrency: options.concurrency,
          startAt: nowMs() + START_LEAD_MS,
          warmupMs: options.clientWarmupMs,
          durationMs: 0,
        });
        if (reply.error) throw new Error(`load generator (warm-up of ${variant.name}): ${String(reply.error)}`);
      }
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
