import type { FailureRuns } from "../scenarios/failures.js";
import type { Measurement } from "../scenarios/measure.js";
import { REPORTED_PERCENTILES } from "../stats/histogram.js";
import { addedOver, ratio, type Spread, spreadOf } from "../stats/summary.js";

/** Published Istio figures the report compares with (istio.io "Performance and scalability", 1.2x–1.24 era). */
export const ISTIO = {
  /** vCPU per sidecar per 1 000 requests/s = CPU-ms per request. */
  cpuMsPerReq: [0.2, 0.5],
  rssMb: [40, 60],
  /** Added p99 with a client and a server sidecar and mTLS: two proxy hops. */
  addedP99Ms: [0.3, 2.9],
} as const;

/** Steady-state figures of one variant at one rate (over accepted runs; all runs when none was accepted). */
export interface SteadySummary {
  readonly runs: number;
  readonly accepted: number;
  readonly latencyMs: Record<string, Spread>;
  readonly addedMs: Record<string, Spread>;
  readonly clientCpuMsPerReq: Spread;
  readonly sidecarCpuMsPerReq: Spread;
  /** CPU spent on governance per request: client + sidecar minus the direct client's, paired by repetition. */
  readonly governanceCpuMsPerReq: Spread;
  readonly clientRssMb: Spread;
  readonly sidecarRssMb: Spread;
  /** HAProxy alone, without its sync agent. */
  readonly proxyCpuMsPerReq: Spread;
  readonly proxyRssMb: Spread;
  readonly errorRate: Spread;
}

const key = (p: number): string => `p${p}`;

function usable(runs: readonly Measurement[]): Measurement[] {
  const accepted = runs.filter((r) => r.rate.accepted);
  return accepted.length > 0 ? accepted : [...runs];
}

function paired(
  variant: readonly Measurement[],
  direct: readonly Measurement[],
  pick: (m: Measurement) => number,
): Spread {
  // Pair by repetition; drop a pair when either side was rejected (unless every run was).
  const both = variant.map((v, i) => [v, direct[i]] as const).filter(([, d]) => d !== undefined);
  const ok = both.filter(([v, d]) => v.rate.accepted && d?.rate.accepted);
  const use = ok.length > 0 ? ok : both;
  return addedOver(
    use.map(([v]) => pick(v)),
    use.map(([, d]) => pick(d as Measurement)),
  );
}

/** Summarises one rate's runs, variant by variant, against the direct baseline. */
export function summariseRate(byVariant: Record<string, Measurement[]>): Record<string, SteadySummary> {
  const direct = byVariant.direct ?? [];
  const out: Record<string, SteadySummary> = {};
  for (const [variant, runs] of Object.entries(byVariant)) {
    const use = usable(runs);
    const latencyMs: Record<string, Spread> = {};
    const addedMs: Record<string, Spread> = {};
    for (const p of REPORTED_PERCENTILES) {
      latencyMs[key(p)] = spreadOf(use.map((r) => r.percentiles[key(p)] as number));
      addedMs[key(p)] = paired(runs, direct, (r) => r.percentiles[key(p)] as number);
    }
    out[variant] = {
      runs: runs.length,
      accepted: runs.filter((r) => r.rate.accepted).length,
      latencyMs,
      addedMs,
      clientCpuMsPerReq: spreadOf(use.map((r) => r.clientCpuMsPerReq)),
      sidecarCpuMsPerReq: spreadOf(use.map((r) => r.sidecarCpuMsPerReq)),
      governanceCpuMsPerReq: paired(runs, direct, (r) => r.clientCpuMsPerReq + r.sidecarCpuMsPerReq),
      clientRssMb: spreadOf(use.map((r) => r.clientRssMb)),
      sidecarRssMb: spreadOf(use.map((r) => r.sidecarRssMb)),
      proxyCpuMsPerReq: spreadOf(use.map((r) => r.proxyCpuMsPerReq ?? Number.NaN)),
      proxyRssMb: spreadOf(use.map((r) => r.proxyRssMb ?? Number.NaN)),
      errorRate: spreadOf(use.map((r) => r.errorRate)),
    };
  }
  return out;
}

/** Failure figures of one arm: client-visible errors, p99 and the scenario's own figures, as spreads. */
export interface FailureSummary {
  readonly runs: number;
  readonly errors: Spread;
  readonly errorRate: Spread;
  readonly p99Ms: Spread;
  readonly figures: Record<string, Spread>;
  /** Failed downstream calls by code, summed over the repetitions. */
  readonly failureCodes: Record<string, number>;
}

function sumCounts(all: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [k, v] of Object.entries(counts)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Summarises failure runs arm by arm. */
export function summariseFailures(runs: FailureRuns): Record<string, Record<string, FailureSummary>> {
  const out: Record<string, Record<string, FailureSummary>> = {};
  for (const [scenario, byArm] of Object.entries(runs)) {
    out[scenario] = {};
    for (const [arm, list] of Object.entries(byArm)) {
      const names = [...new Set(list.flatMap((r) => Object.keys(r.figures)))];
      out[scenario][arm] = {
        runs: list.length,
        errors: spreadOf(list.map((r) => r.errors)),
        errorRate: spreadOf(list.map((r) => r.errorRate)),
        p99Ms: spreadOf(list.map((r) => r.percentiles.p99 as number)),
        figures: Object.fromEntries(names.map((n) => [n, spreadOf(list.map((r) => r.figures[n] ?? Number.NaN))])),
        failureCodes: sumCounts(list.map((r) => r.failureCodes ?? {})),
      };
    }
  }
  return out;
}

/** One goal of the issue, checked against the figures. */
export interface GoalCheck {
  readonly goal: string;
  /** `inconclusive` when the sidecar itself shows no cost over direct: the noise is larger than the effect. */
  readonly status: "met" | "missed" | "inconclusive";
  readonly detail: string;
}

/** Whether `sdk` is at most `share` of `sidecar`, for costs measured over the same baseline. */
export function costGoal(sdk: number, sidecar: number, share: number): GoalCheck["status"] {
  if (!Number.isFinite(sdk) || !Number.isFinite(sidecar)) return "missed";
  if (sidecar <= 0) return sdk <= 0 ? "inconclusive" : "missed";
  return sdk <= sidecar * share ? "met" : "missed";
}

const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : "n/a");

/** Checks the three goals; a goal with no data counts as missed. */
export function checkGoals(
  steady: Record<string, Record<string, SteadySummary>>,
  failures: Record<string, Record<string, FailureSummary>>,
): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const [rate, s] of Object.entries(steady)) {
    const sdk = s.sdk?.addedMs.p99?.median ?? Number.NaN;
    const hap = s["haproxy-http"]?.addedMs.p99?.median ?? Number.NaN;
    goals.push({
      goal: `SDK added p99 ≤ 1/3 of the sidecar's at ${rate}/s`,
      status: costGoal(sdk, hap, 1 / 3),
      detail: `SDK ${f2(sdk)} ms vs HAProxy ${f2(hap)} ms (ratio ${f2(ratio(sdk, hap))})`,
    });
    const sdkCpu = s.sdk?.governanceCpuMsPerReq.median ?? Number.NaN;
    const hapCpu = s["haproxy-http"]?.governanceCpuMsPerReq.median ?? Number.NaN;
    goals.push({
      goal: `SDK governance CPU/request ≤ 1/2 of the sidecar's at ${rate}/s`,
      status: costGoal(sdkCpu, hapCpu, 1 / 2),
      detail: `SDK ${f2(sdkCpu)} ms vs HAProxy ${f2(hapCpu)} ms (ratio ${f2(ratio(sdkCpu, hapCpu))})`,
    });
  }
  for (const [scenario, byArm] of Object.entries(failures)) {
    for (const policy of ["", " matched", " no-retry"]) {
      const sdk = byArm[`sdk${policy}`];
      const hap = byArm[`haproxy-http${policy}`];
      if (!sdk || !hap) continue;
      goals.push({
        goal: `${scenario}${policy}: SDK client-visible errors ≤ the sidecar's`,
        status: sdk.errors.median <= hap.errors.median ? "met" : "missed",
        detail: `SDK ${sdk.errors.median} vs HAProxy ${hap.errors.median} (medians of ${sdk.runs})`,
      });
    }
  }
  return goals;
}
