import { Fleet } from "../fleet/fleet.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import type { Progress } from "../progress.js";
import { type Measurement, measure } from "./measure.js";
import { addRun, type Grouped } from "./runs.js";
import { type RunningVariant, startVariant, VARIANTS, type VariantName } from "./variant.js";

/** Steady-state runs: `runs[rate][variant][rep]`. */
export type SteadyRuns = Grouped<Measurement>;

/** Number of progress steps the steady scenario takes. */
export function steadySteps(options: BenchOptions): number {
  return options.reps * options.rates.length * VARIANTS.length;
}

/**
 * Every variant at every rate, `reps` times, interleaved (rep → rate → variant, the variant order rotated each rep)
 * so slow drift on a shared machine lands on all variants alike. All four clients stay up; idle ones cost nothing.
 */
export async function runSteady(
  generator: BenchProcess,
  options: BenchOptions,
  progress: Progress,
): Promise<SteadyRuns> {
  const fleet = await Fleet.start(options.fleetSize);
  const running = new Map<VariantName, RunningVariant>();
  try {
    for (const name of VARIANTS) running.set(name, await startVariant(name, fleet));
    const runs: SteadyRuns = {};
    for (let rep = 0; rep < options.reps; rep++) {
      for (const rate of options.rates) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length] as VariantName);
        for (const name of order) {
          const m = await measure(generator, running.get(name) as RunningVariant, {
            ratePerSec: rate,
            warmupMs: options.warmupMs,
            durationMs: options.steadyMs,
          });
          addRun(runs, String(rate), name, m);
          progress.step(
            `steady ${rate}/s rep ${rep + 1} ${name}`,
            `p50 ${m.percentiles.p50?.toFixed(2)} ms, p99 ${m.percentiles.p99?.toFixed(2)} ms, errors ${m.errors}${m.rate.accepted ? "" : `, REJECTED (${m.rate.reason})`}`,
          );
        }
      }
    }
    return runs;
  } finally {
    for (const v of running.values()) await v.close();
    await fleet.close();
  }
}
