/** A fixed send schedule: request `i` is due at `startMs + i * 1000 / rate`, whatever happened to earlier ones. */
export interface SendSchedule {
  readonly startMs: number;
  readonly ratePerSec: number;
  /** Requests in the whole run (warm-up included). */
  readonly total: number;
}

/** Builds the schedule of a run of `durationMs` at `ratePerSec`, starting at `startMs`. */
export function createSchedule(startMs: number, ratePerSec: number, durationMs: number): SendSchedule {
  if (!(ratePerSec > 0) || !(durationMs > 0)) {
    throw new Error(`rate and duration must be positive, got ${ratePerSec}/s for ${durationMs} ms`);
  }
  return { startMs, ratePerSec, total: Math.floor((ratePerSec * durationMs) / 1000) };
}

/** When request `index` should leave: latency is measured from here, so a stalled sender cannot hide its stall. */
export function intendedSendMs(schedule: SendSchedule, index: number): number {
  return schedule.startMs + (index * 1000) / schedule.ratePerSec;
}

/**
 * How many requests are due at `nowMs` beyond the `sent` already sent. An open-loop sender sends all of them at
 * once: it never waits for responses, so a slow server cannot slow the offered load (no coordinated omission).
 */
export function dueCount(schedule: SendSchedule, nowMs: number, sent: number): number {
  if (nowMs < schedule.startMs) return 0;
  const due = Math.min(schedule.total, Math.floor(((nowMs - schedule.startMs) * schedule.ratePerSec) / 1000) + 1);
  return Math.max(0, due - sent);
}
