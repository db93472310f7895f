import { Fleet } from "../fleet/fleet.js";
import type { ClosedRunOutcome } from "../load/closed-loop.js";
import { nowMs } from "../load/run.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import { type ProcessUsage, readUsage, readUsageOf } from "../proc/usage.js";
import type { Progress } from "../progress.js";
import { closeAll, startWarm } from "./fresh.js";
import type { RunningVariant } from "./variant.js";
import { selectedVariants, type VariantName } from "./variant-names.js";
import { describeWarm } from "./warm-up.js";

/** One closed-loop repetition of one variant: requests completed in the window and the CPU they took. */
export interface CpuRun {
  readonly variant: string;
  readonly completed: number;
  readonly errors: number;
  readonly windowMs: number;
  /** Client + sidecar (HAProxy and its sync agent) CPU per completed request, ms. */
  readonly cpuMsPerReq: number;
  readonly clientCpuMsPerReq: number;
  readonly sidecarCpuMsPerReq: number;
  /** Completed requests per second: the variant's capacity on this machine at this concurrency. */
  readonly throughputPerSec: number;
  /** Share of one core the client and sidecar used in the window (≈ 1: the client core was the bottleneck). */
  readonly clientCoreShare: number;
}

/** CPU runs: `runs[variant][rep]`, repetition `i` of every variant from the same interleaved round. */
export type CpuRuns = Record<string, CpuRun[]>;

const START_LEAD_MS = 300;

/** Number of progress steps the CPU phase takes. */
export function cpuSteps(options: BenchOptions): number {
  return options.cpuReps * selectedVariants(options.variants).length;
}

/** One closed-loop window against `variant`, its client's and sidecar's CPU read at the window's edges. */
async function measureClosed(generator: BenchProcess, variant: RunningVariant, options: BenchOptions): Promise<CpuRun> {
  const startAt = nowMs() + START_LEAD_MS;
  const windowStart = startAt + options.cpuWarmupMs;
  const read = (): { client: ProcessUsage; sidecar: ProcessUsage } => ({
    client: readUsage(variant.clientPid),
    sidecar: readUsageOf(variant.sidecarPids),
  });
  let before: ReturnType<typeof read> | undefined;
  let after: ReturnType<typeof read> | undefined;
  const timers = [
    setTimeout(() => (before = read()), windowStart - nowMs()),
    // Read at the window's end, not after the reply: the last requests' tails would add CPU but no completions.
    setTimeout(() => (after = read()), windowStart + options.cpuMs - nowMs()),
  ];
  const reply = await generator.request({
    cmd: "closed",
    url: variant.url,
    concurrency: options.concurrency,
    startAt,
    warmupMs: options.cpuWarmupMs,
    durationMs: options.cpuMs,
  });
  for (const t of timers) clearTimeout(t);
  if (reply.error) throw new Error(`load generator: ${String(reply.error)}`);
  const outcome = reply.outcome as ClosedRunOutcome;
  const end = after ?? read();
  const start = before ?? end;
  const clientMs = end.client.cpuMs - start.client.cpuMs;
  const sidecarMs = end.sidecar.cpuMs - start.sidecar.cpuMs;
  const per = (ms: number): number => (outcome.completed > 0 ? ms / outcome.completed : Number.NaN);
  return {
    variant: variant.name,
    completed: outcome.completed,
    errors: outcome.errors,
    windowMs: options.cpuMs,
    cpuMsPerReq: per(clientMs + sidecarMs),
    clientCpuMsPerReq: per(clientMs),
    sidecarCpuMsPerReq: per(sidecarMs),
    throughputPerSec: (outcome.completed * 1000) / options.cpuMs,
    clientCoreShare: (clientMs + sidecarMs) / options.cpuMs,
  };
}

/**
 * The governance-CPU phase: every variant in a closed loop at `concurrency` requests in flight, `cpuReps` rounds,
 * interleaved (the order rotated each round). At thousands of requests per second per window, CPU per request is
 * the work of a request, not the idle wake-ups and timers that dominate it at 100/s; pairing each variant with its
 * baseline in the same round cancels the machine's drift. Each round starts its clients (and sidecars) anew and
 * warms them (`startWarm`), so the intervals over rounds carry each process's luck too.
 */
export async function runCpu(generator: BenchProcess, options: BenchOptions, progress: Progress): Promise<CpuRuns> {
  const fleet = await Fleet.start(options.fleetSize);
  let running = new Map<VariantName, RunningVariant>();
  try {
    const variants = selectedVariants(options.variants);
    const runs: CpuRuns = {};
    for (let rep = 0; rep < options.cpuReps; rep++) {
      running = await startWarm(variants, fleet, generator, options, (v, s) => progress.note(describeWarm(v, s)));
      const order = variants.map((_, i) => variants[(i + rep) % variants.length] as VariantName);
      for (const name of order) {
        const run = await measureClosed(generator, running.get(name) as RunningVariant, options);
        runs[name] = [...(runs[name] ?? []), run];
        progress.step(
          `cpu rep ${rep + 1} ${name}`,
          `${run.throughputPerSec.toFixed(0)}/s, ${(run.cpuMsPerReq * 1000).toFixed(1)} µs CPU/req, core ${(run.clientCoreShare * 100).toFixed(0)}%, errors ${run.errors}`,
        );
      }
      await closeAll(running);
    }
    return runs;
  } finally {
    await closeAll(running);
    await fleet.close();
  }
}
