import type { ClientDiagnostics } from "../client/diagnostics.js";
import { checkRate, type RateCheck } from "../load/acceptance.js";
import type { RunOutcome, RunRequest } from "../load/run.js";
import { nowMs } from "../load/run.js";
import type { BenchProcess } from "../proc/child.js";
import { type ProcessUsage, readUsage, readUsageOf } from "../proc/usage.js";
import type { RunningVariant } from "./variant.js";

/** Load settings of one run. */
export interface LoadSpec {
  readonly ratePerSec: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly bucketMs?: number;
}

/** One measured run of one variant. */
export interface Measurement extends RunOutcome {
  readonly variant: string;
  readonly rate: RateCheck;
  /** Schedule start of the measured window (epoch ms), to line up faults with the timeline. */
  readonly windowStart: number;
  readonly clientCpuMsPerReq: number;
  readonly sidecarCpuMsPerReq: number;
  readonly clientRssMb: number;
  readonly sidecarRssMb: number;
  /** The HAProxy process alone (the sidecar figures also count its registry sync agent). */
  readonly proxyCpuMsPerReq: number;
  readonly proxyRssMb: number;
  readonly errorRate: number;
  /** Share of one core the client and its sidecar used in the window (near 1: the client side is saturated). */
  readonly clientCoreShare: number;
  /** The client's connections, calls in flight, GC pauses and loop delay in the window (absent in older runs). */
  readonly diagnostics?: ClientDiagnostics;
  /**
   * Connections the upstreams accepted during the run, warm-up included, counted by the upstreams: every variant
   * of a shared window together (steady phase; absent in runs before full-12). Near 0 when clients and sidecars
   * reuse their connections.
   */
  readonly upstreamConnectionsOpened?: number;
  /**
   * The window's place in its pass of the steady phase: 0 for the first window measured after the pass started and
   * warmed its clients, counting every window of the pass (steady phase; absent in runs before 2026-12-03). The
   * first window's figures should look like the others' (`bench:window-order`).
   */
  readonly windowInPass?: number;
}

/** Something to do at `atMs` into the measured window (kill an instance, change a policy, …). */
export interface TimedAction {
  readonly atMs: number;
  run(): Promise<void>;
}

const START_LEAD_MS = 300;
/** The client answers its diagnostics at once; a client that does not within this is left without them. */
const DIAGNOSTICS_TIMEOUT_MS = 10_000;

/** CPU and memory of one variant's processes at one moment. */
interface Snapshot {
  readonly client: ProcessUsage;
  readonly sidecar: ProcessUsage;
  readonly proxy: ProcessUsage;
}

function snapshot(variant: RunningVariant): Snapshot {
  return {
    client: readUsage(variant.clientPid),
    sidecar: readUsageOf(variant.sidecarPids),
    proxy: readUsageOf(variant.sidecarPids.slice(0, 1)),
  };
}

/**
 * Runs the generator against a variant: warm-up, then the measured window, with the client's and sidecar's CPU read
 * from /proc at the window's start and end, and `actions` fired at their offsets into the window.
 */
export async function measure(
  generator: BenchProcess,
  variant: RunningVariant,
  spec: LoadSpec,
  actions: readonly TimedAction[] = [],
): Promise<Measurement> {
  return (await measureTogether(generator, [variant], spec, actions))[0] as Measurement;
}

/**
 * `measure` for several variants at once: the generator sends `spec.ratePerSec` to each, their schedules shifted by
 * an equal share of one period (`RunRequest`), so they share the window's moments. Each variant's CPU, memory and
 * diagnostics are its own processes'. One measurement per variant, in their order.
 */
export async function measureTogether(
  generator: BenchProcess,
  variants: readonly RunningVariant[],
  spec: LoadSpec,
  actions: readonly TimedAction[] = [],
): Promise<Measurement[]> {
  const startAt = nowMs() + START_LEAD_MS;
  const windowStart = startAt + spec.warmupMs;
  const request: RunRequest = {
    urls: variants.map((v) => v.url),
    ratePerSec: spec.ratePerSec,
    warmupMs: spec.warmupMs,
    durationMs: spec.durationMs,
    startAt,
    bucketMs: spec.bucketMs ?? 100,
  };
  let before: Snapshot[] | undefined;
  const timers = [
    setTimeout(() => {
      before = variants.map(snapshot);
      // Diagnostics are a side view: a client that cannot answer leaves them out, never the run.
      for (const v of variants) v.client.request({ cmd: "diagnostics-reset" }).catch(() => undefined);
    }, windowStart - nowMs()),
    ...actions.map((a) => setTimeout(() => void a.run(), windowStart + a.atMs - nowMs())),
  ];
  const reply = await generator.request({ cmd: "run", ...request });
  for (const t of timers) clearTimeout(t);
  if (reply.error) throw new Error(`load generator: ${String(reply.error)}`);
  const outcomes = reply.outcomes as RunOutcome[];
  const after = variants.map(snapshot);
  return Promise.all(
    variants.map(async (variant, i) => {
      const outcome = outcomes[i] as RunOutcome;
      const end = after[i] as Snapshot;
      const start = before?.[i] ?? end;
      const diagnostics = await variant.client
        .request({ cmd: "diagnostics" }, DIAGNOSTICS_TIMEOUT_MS)
        .then((reply) => reply.diagnostics as ClientDiagnostics | undefined)
        .catch(() => undefined);
      const perReq = (a: number, b: number): number => (outcome.sent > 0 ? (a - b) / outcome.sent : Number.NaN);
      const hasSidecar = variant.sidecarPids.length > 0;
      return {
        ...outcome,
        variant: variant.name,
        rate: checkRate(spec.ratePerSec, outcome.sentOnTime, spec.durationMs),
        windowStart,
        clientCpuMsPerReq: perReq(end.client.cpuMs, start.client.cpuMs),
        sidecarCpuMsPerReq: hasSidecar ? perReq(end.sidecar.cpuMs, start.sidecar.cpuMs) : 0,
        clientRssMb: end.client.rssMb,
        sidecarRssMb: end.sidecar.rssMb,
        proxyCpuMsPerReq: hasSidecar ? perReq(end.proxy.cpuMs, start.proxy.cpuMs) : 0,
        proxyRssMb: end.proxy.rssMb,
        errorRate: outcome.sent > 0 ? outcome.errors / outcome.sent : Number.NaN,
        clientCoreShare:
          (end.client.cpuMs - start.client.cpuMs + end.sidecar.cpuMs - start.sidecar.cpuMs) / spec.durationMs,
        diagnostics,
      };
    }),
  );
}
