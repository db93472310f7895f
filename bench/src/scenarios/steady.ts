import { Fleet } from "../fleet/fleet.js";
import { type BenchOptions, repsAt, windowMsFor } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import type { Progress } from "../progress.js";
import { belowEveryRound } from "./capacity.js";
import { closeAll, startWarm } from "./fresh.js";
import { type Measurement, measureTogether } from "./measure.js";
import { addRun, type Grouped } from "./runs.js";
import { roundOrder, steadyPlan } from "./steady-plan.js";
import { steadySlots } from "./steady-slots.js";
import type { RunningVariant } from "./variant.js";
import { selectedVariants, type VariantName } from "./variant-names.js";
import { describeWarm, type WarmedUp } from "./warm-up.js";

/** Steady-state runs: `runs[rate][variant][rep]`. */
export type SteadyRuns = Grouped<Measurement>;

/**
 * Cells not run open loop because the rate is above what the variant can carry: `skipped[rate][variant]` = its
 * highest closed-loop round (requests/s; the median round in runs before 2026-12-01).
 */
export type SkippedCells = Record<string, Record<string, number>>;

/** Number of progress steps the steady scenario takes (skipped cells included: they are steps, just quick ones). */
export function steadySteps(options: BenchOptions): number {
  const variants = selectedVariants(options.variants).length;
  return options.rates.reduce((n, rate) => n + repsAt(rate, options) * variants, 0);
}

/**
 * Every variant at every rate, `repsAt(rate)` times, interleaved (`steadyPlan`: rounds of one rate and repetition,
 * every variant once per round, the variant order rotated each repetition) so slow drift on a shared machine lands
 * on all variants alike. Each pass of the plan starts its variants anew and warms them (`startWarm`), each to a random
 * point of its heap cycle (`warmUp`) so its next mark-compact falls anywhere in the pass: a rate has one
 * round per pass, so every repetition of a cell is measured on its own client processes and the intervals over
 * repetitions carry each process's luck. A cell whose variant's closed-loop throughput (`capacity`: requests/s per
 * CPU round, `capacityRounds`) stayed below the rate in every round is skipped and reported as such
 * (`belowEveryRound`, the rule the goals use too); a pass whose cells of a variant are all skipped does not start it.
 * Below `options.pairedBelow` the undici SDK variant shares its window with its goal's sidecar (`steadySlots`).
 */
export async function runSteady(
  generator: BenchProcess,
  options: BenchOptions,
  progress: Progress,
  capacity: Record<string, readonly number[]> = {},
): Promise<{ runs: SteadyRuns; skipped: SkippedCells; warmUps: Record<string, WarmedUp[]> }> {
  const fleet = await Fleet.start(options.fleetSize);
  let running = new Map<VariantName, RunningVariant>();
  try {
    const variants = selectedVariants(options.variants);
    const runs: SteadyRuns = {};
    const skipped: SkippedCells = {};
    const plan = steadyPlan(options.rates, (r) => repsAt(r, options));
    const warmUps: Record<string, WarmedUp[]> = {};
    const onWarm = (v: VariantName, w: WarmedUp): void => {
      warmUps[v] = [...(warmUps[v] ?? []), w];
      progress.note(describeWarm(v, w));
    };
    for (let pass = 0; pass <= Math.max(-1, ...plan.map((r) => r.pass)); pass++) {
      const rounds = plan.filter((r) => r.pass === pass);
      const wanted = variants.filter((name) => rounds.some(({ rate }) => !belowEveryRound(capacity[name], rate)));
      const randomPhase = true;
      running = await startWarm(wanted, fleet, generator, options, onWarm, randomPhase);
      let windowInPass = 0;
      for (const { rate, rep } of rounds) {
        const order = roundOrder(variants, rep);
        const carried: VariantName[] = [];
        for (const name of order) {
          const closedRounds = capacity[name];
          if (!belowEveryRound(closedRounds, rate)) {
            carried.push(name);
            continue;
          }
          const max = Math.max(...(closedRounds ?? []));
          skipped[String(rate)] = { ...skipped[String(rate)], [name]: max };
          progress.step(
            `steady ${rate}/s rep ${rep + 1} ${name}`,
            `skipped: every closed-loop round below, max ${max.toFixed(0)}/s`,
          );
        }
        for (const slot of steadySlots(carried, rate, options.pairedBelow, options.paired)) {
          const connectionsBefore = await fleet.connections();
          const measured = await measureTogether(
            generator,
            slot.map((name) => running.get(name) as RunningVariant),
            { ratePerSec: rate, warmupMs: options.warmupMs, durationMs: windowMsFor(rate, options) },
          );
          const opened = (await fleet.connections()) - connectionsBefore;
          for (const measuredRun of measured) {
            const m: Measurement = { ...measuredRun, upstreamConnectionsOpened: opened, windowInPass };
            addRun(runs, String(rate), m.variant, m);
            const d = m.diagnostics;
            const beside =
              slot.length > 1 ? ` (window shared with ${slot.filter((v) => v !== m.variant).join(", ")})` : "";
            progress.step(
              `steady ${rate}/s rep ${rep + 1} ${m.variant}${beside}`,
              `p50 ${m.percentiles.p50?.toFixed(2)} ms, p99 ${m.percentiles.p99?.toFixed(2)} ms, n ${m.sent}, errors ${m.errors}, upstream conns +${opened}${d ? `, conns +${d.connectionsOpened}, in flight ≤ ${d.peakInFlight}, gc max ${d.gcMaxMs.toFixed(1)} ms${d.majorGcCount ? ` (${d.majorGcCount} mark-compact)` : ""}, loop delay max ${d.loopDelayMaxMs.toFixed(1)} ms${d.sdkRetries ? `, SDK retries ${d.sdkRetries} (${d.sdkRetriesOnTimeout} after a per-try timeout)` : ""}` : ""}${m.rate.accepted ? "" : `, REJECTED (${m.rate.reason})`}`,
            );
          }
          windowInPass++;
        }
      }
      await closeAll(running);
    }
    return { runs, skipped, warmUps };
  } finally {
    await closeAll(running);
    await fleet.close();
  }
}
