/** One destination as a process's fleet stream reports it (@outrigger/telemetry's `DestinationFigures`). */
interface Reported {
  readonly service: string;
  readonly rps: number;
  readonly errorPct: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly calls: number;
  readonly breaker: string;
  readonly ejected: readonly string[];
  readonly ejectedCount: number;
  readonly budget?: number;
}

/** One caller → service edge of the fleet page, summed over the caller's processes. */
export interface FleetEdge {
  readonly caller: string;
  readonly service: string;
  /** Processes of the caller reporting this edge. */
  readonly processes: number;
  readonly rps: number;
  /** Failed calls in % of all the processes' calls in the window. */
  readonly errorPct: number;
  /** The slowest process's percentiles (percentiles do not add up; the worst one is what to look at). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Processes whose breaker for the service is in each state. */
  readonly breakers: { readonly closed: number; readonly open: number; readonly "half-open": number };
  /** Instances any process holds out (at most 32 listed). */
  readonly ejected: readonly string[];
  /** The lowest retry-budget balance any process reports, when one does. */
  readonly budget?: number;
}

const MAX_EJECTED = 32;
const finite = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);
const text = (v: unknown, max: number): string => (typeof v === "string" ? v.slice(0, max) : "");

/** The destinations of one update, read defensively: a process's stream is input like any other. */
function reported(update: unknown, maxDestinations: number): Reported[] {
  const list = (update as { destinations?: unknown } | null)?.destinations;
  if (!Array.isArray(list)) return [];
  return list.slice(0, maxDestinations).flatMap((d: Record<string, unknown>) => {
    const service = text(d?.service, 200);
    if (!service) return [];
    const ejected = Array.isArray(d.ejected) ? d.ejected.slice(0, MAX_EJECTED).map((id) => text(id, 200)) : [];
    return [
      {
        service,
        rps: finite(d.rps),
        errorPct: Math.min(100, finite(d.errorPct)),
        p50Ms: finite(d.p50Ms),
        p99Ms: finite(d.p99Ms),
        calls: finite(d.calls),
        breaker: text(d.breaker, 20),
        ejected,
        ejectedCount: finite(d.ejectedCount),
        ...(typeof d.budget === "number" ? { budget: finite(d.budget) } : {}),
      },
    ];
  });
}

interface Sum {
  processes: number;
  rps: number;
  calls: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  breakers: { closed: number; open: number; "half-open": number };
  ejected: Set<string>;
  budget: number | undefined;
}

/**
 * Folds the processes' last updates into caller → service edges (the Turbine role): rates and calls add up,
 * error % is recomputed from the summed calls, percentiles take the worst process, breakers are counted by state.
 * At most `maxDestinations` destinations are read from one update.
 */
export function foldEdges(
  updates: ReadonlyArray<{ readonly caller: string; readonly update: unknown }>,
  maxDestinations: number,
): FleetEdge[] {
  const sums = new Map<string, Sum & { caller: string; service: string }>();
  for (const { caller, update } of updates) {
    for (const d of reported(update, maxDestinations)) {
      const key = `${caller}\u0000${d.service}`;
      let sum = sums.get(key);
      if (!sum) {
        sum = {
          caller,
          service: d.service,
          processes: 0,
          rps: 0,
          calls: 0,
          failed: 0,
          p50Ms: 0,
          p99Ms: 0,
          breakers: { closed: 0, open: 0, "half-open": 0 },
          ejected: new Set(),
          budget: undefined,
        };
        sums.set(key, sum);
      }
      sum.processes += 1;
      sum.rps += d.rps;
      sum.calls += d.calls;
      sum.failed += (d.calls * d.errorPct) / 100;
      sum.p50Ms = Math.max(sum.p50Ms, d.p50Ms);
      sum.p99Ms = Math.max(sum.p99Ms, d.p99Ms);
      if (d.breaker === "open" || d.breaker === "half-open" || d.breaker === "closed") sum.breakers[d.breaker] += 1;
      for (const id of d.ejected) if (sum.ejected.size < MAX_EJECTED) sum.ejected.add(id);
      if (d.budget !== undefined) sum.budget = Math.min(sum.budget ?? d.budget, d.budget);
    }
  }
  return [...sums.values()]
    .map((s) => ({
      caller: s.caller,
      service: s.service,
      processes: s.processes,
      rps: Math.round(s.rps * 10) / 10,
      errorPct: s.calls === 0 ? 0 : Math.round((1000 * s.failed) / s.calls) / 10,
      p50Ms: s.p50Ms,
      p99Ms: s.p99Ms,
      breakers: s.breakers,
      ejected: [...s.ejected],
      ...(s.budget === undefined ? {} : { budget: s.budget }),
    }))
    .sort((a, b) => (a.caller + a.service < b.caller + b.service ? -1 : 1));
}
