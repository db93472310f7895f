import { type Spread, spreadOf } from "@outrigger/bench-stats";
import type { FailureRuns } from "../scenarios/failures.js";

/** Published Istio figures the report compares with (istio.io "Performance and scalability", 1.2x–1.24 era). */
export const ISTIO = {
  /** vCPU per sidecar per 1 000 requests/s = CPU-ms per request. */
  cpuMsPerReq: [0.2, 0.5],
  rssMb: [40, 60],
  /** Added p99 with a client and a server sidecar and mTLS: two proxy hops. */
  addedP99Ms: [0.3, 2.9],
} as const;

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
