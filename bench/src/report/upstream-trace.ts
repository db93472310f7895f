import type { TracedRequest } from "../fleet/request-trace.js";

/** One failure run's upstream traces, as `--trace-upstreams` writes them (`scenarios/failures.ts`). */
export interface RunTrace {
  readonly scenario: string;
  readonly arm: string;
  readonly rep: number;
  /** Start of the measured window (epoch ms); the warm-up runs `warmupMs` before it. */
  readonly windowStart: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly upstreams: Readonly<Record<string, { readonly requests: readonly TracedRequest[] }>>;
}

/** What one instance's trace shows over a run (warm-up and window). Times are ms from the window's start. */
export interface InstanceFigures {
  readonly requests: number;
  /** Share answered with something other than 200. */
  readonly shedShare: number;
  /** Share of arrivals less than `BURST_MS` after the previous one at the same instance. */
  readonly burstShare: number;
  /** Runs of ≥ `streak` consecutive non-200 answers, counted in the order they were answered (what passive health sees). */
  readonly streaksAnswered: number;
  /** The same in the order the requests arrived. */
  readonly streaksArrived: number;
  /** When the first answered streak reached `streak` (NaN: none). */
  readonly firstStreakAt: number;
  /** Gaps of ≥ `gapMs` with no arrival: the instance was out of rotation (marked down, ejected). */
  readonly outPeriods: number;
  /** When the first such gap began (NaN: none). */
  readonly firstOutAt: number;
  readonly outMs: number;
}

/** Arrivals closer than this to the previous one count as a burst (the 450/s overload spaces them ~6.7 ms apart). */
export const BURST_MS = 0.5;

/** Consecutive failures that take an instance out on both sides in the bench (`error-limit 5`, `consecutive5xx`). */
export const STREAK = 5;

/**
 * A gap in arrivals this long means the instance was out: at 150/s per instance round robin leaves ~7 ms between
 * arrivals, and the shortest way back (one passing 1 s check) takes far longer.
 */
export const OUT_GAP_MS = 100;

/** Counts runs of ≥ `streak` non-200 statuses; returns the count and the index where the first reached `streak`. */
export function failureStreaks(statuses: readonly number[], streak = STREAK): { count: number; firstAt: number } {
  let run = 0;
  let count = 0;
  let firstAt = -1;
  statuses.forEach((status, i) => {
    run = status === 200 ? 0 : run + 1;
    if (run === streak) {
      count += 1;
      if (firstAt < 0) firstAt = i;
    }
  });
  return { count, firstAt };
}

/** Figures of one instance's requests (`requests` in any order) against the window starting at `windowStart`. */
export function instanceFigures(
  requests: readonly TracedRequest[],
  windowStart: number,
  end: number,
  gapMs = OUT_GAP_MS,
): InstanceFigures {
  const answered = [...requests].sort((a, b) => a[1] - b[1]);
  const arrived = [...requests].sort((a, b) => a[0] - b[0]);
  const streaks = failureStreaks(answered.map((r) => r[2]));
  let bursts = 0;
  let outPeriods = 0;
  let outMs = 0;
  let firstOutAt = Number.NaN;
  const arrivals = [...arrived.map((r) => r[0]), end];
  for (let i = 1; i < arrivals.length; i++) {
    const gap = (arrivals[i] as number) - (arrivals[i - 1] as number);
    if (i < arrived.length && gap < BURST_MS) bursts += 1;
    if (gap >= gapMs) {
      outPeriods += 1;
      outMs += gap;
      if (Number.isNaN(firstOutAt)) firstOutAt = (arrivals[i - 1] as number) - windowStart;
    }
  }
  const firstStreak = answered[streaks.firstAt];
  return {
    requests: requests.length,
    shedShare: requests.length > 0 ? requests.filter((r) => r[2] !== 200).length / requests.length : Number.NaN,
    burstShare: arrived.length > 1 ? bursts / (arrived.length - 1) : Number.NaN,
    streaksAnswered: streaks.count,
    streaksArrived: failureStreaks(arrived.map((r) => r[2])).count,
    firstStreakAt: firstStreak ? firstStreak[1] - windowStart : Number.NaN,
    outPeriods,
    firstOutAt,
    outMs,
  };
}

/** Every instance's figures in one run. */
export function runFigures(run: RunTrace, gapMs = OUT_GAP_MS): Record<string, InstanceFigures> {
  const end = run.windowStart + run.durationMs;
  return Object.fromEntries(
    Object.entries(run.upstreams).map(([name, u]) => [name, instanceFigures(u.requests, run.windowStart, end, gapMs)]),
  );
}
