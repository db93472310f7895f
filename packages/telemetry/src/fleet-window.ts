/**
 * Seconds the fleet figures cover: Hystrix's default rolling window (`metrics.rollingStats.timeInMilliseconds`,
 * 10 000 ms in 10 buckets, HystrixCommandProperties.java), so a dashboard reads as Hystrix's does.
 */
export const WINDOW_SECONDS = 10;
/** Latency buckets grow by 10%: a percentile is reported within 10% above the true value. */
const GROWTH = 1.1;
/** The first bucket's upper bound, in ms; faster answers count in it. */
const FIRST_MS = 0.1;
/** Buckets up to ~ 10 minutes (0.1 ms × 1.1^164 ≈ 620 s); slower answers count in the last. */
const BUCKETS = 165;
const LOG_GROWTH = Math.log(GROWTH);

/** The upper bound in ms of latency bucket `i`. */
export const bucketBound = (i: number): number => FIRST_MS * GROWTH ** i;

function bucketOf(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_MS) / LOG_GROWTH - 1e-9));
}

/** One second of one destination. */
interface Slot {
  second: number;
  calls: number;
  failures: number;
  readonly latency: Uint32Array;
}

/** A destination's figures over the window. */
export interface WindowFigures {
  /** Calls per second, over the seconds of the window that have passed. */
  readonly rps: number;
  /** Failed calls in % of calls (0 with no call). */
  readonly errorPct: number;
  /** Latency percentiles in ms (bucket upper bounds; 0 with no call). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Calls counted in the window. */
  readonly calls: number;
}

/**
 * A sliding window of calls for one destination: one slot per second, a fixed log-scale latency histogram per
 * slot (memory is fixed: 10 slots × 165 counters, whatever the traffic), so p50 and p99 come from the last 10 s
 * only. Time is the caller's monotonic ms, so tests drive it.
 */
export class FleetWindow {
  readonly #slots: Slot[] = Array.from({ length: WINDOW_SECONDS }, () => ({
    second: -1,
    calls: 0,
    failures: 0,
    latency: new Uint32Array(BUCKETS),
  }));
  readonly #startSecond: number;

  constructor(nowMs: number) {
    this.#startSecond = Math.floor(nowMs / 1000);
  }

  /** Counts one call that took `ms` and failed or not, at `nowMs`. */
  record(nowMs: number, ms: number, failed: boolean): void {
    const second = Math.floor(nowMs / 1000);
    const slot = this.#slots[second % WINDOW_SECONDS] as Slot;
    if (slot.second !== second) {
      slot.second = second;
      slot.calls = 0;
      slot.failures = 0;
      slot.latency.fill(0);
    }
    slot.calls += 1;
    if (failed) slot.failures += 1;
    const bucket = bucketOf(ms);
    slot.latency[bucket] = (slot.latency[bucket] ?? 0) + 1;
  }

  /** The figures of the last `WINDOW_SECONDS` seconds up to `nowMs`. */
  figures(nowMs: number): WindowFigures {
    const second = Math.floor(nowMs / 1000);
    const live = this.#slots.filter((s) => s.second > second - WINDOW_SECONDS && s.second <= second);
    let calls = 0;
    let failures = 0;
    for (const s of live) {
      calls += s.calls;
      failures += s.failures;
    }
    // A window younger than 10 s divides by the seconds it has seen, so the first seconds are not under-read.
    const seconds = Math.max(1, Math.min(WINDOW_SECONDS, second - this.#startSecond + 1));
    return {
      rps: round(calls / seconds),
      errorPct: calls === 0 ? 0 : round((100 * failures) / calls),
      p50Ms: percentile(live, calls, 0.5),
      p99Ms: percentile(live, calls, 0.99),
      calls,
    };
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;

function percentile(slots: readonly Slot[], calls: number, q: number): number {
  if (calls === 0) return 0;
  const rank = Math.ceil(q * calls);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    for (const s of slots) seen += s.latency[i] ?? 0;
    if (seen >= rank) return Math.round(bucketBound(i) * 100) / 100;
  }
  return Math.round(bucketBound(BUCKETS - 1) * 100) / 100;
}
