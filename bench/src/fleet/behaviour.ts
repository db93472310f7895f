/** How an upstream instance answers: its latency distribution and the faults injected into it. */
export interface Behaviour {
  /** Fixed part of the service time, ms. */
  readonly baseMs: number;
  /** Mean of an exponential extra on top of `baseMs`, ms (a long-tailed service time). */
  readonly jitterMs: number;
  /** Extra ms on every request: a "slow instance". */
  readonly slowMs: number;
  /** Share of requests answered 500. */
  readonly errorRate: number;
  /** Requests in flight beyond which the instance sheds load with 503 (0: no limit). */
  readonly maxInFlight: number;
}

/** A healthy instance: ~1 ms plus an exponential tail of mean 0.5 ms. */
export const HEALTHY: Behaviour = { baseMs: 1, jitterMs: 0.5, slowMs: 0, errorRate: 0, maxInFlight: 0 };

/** What to do with one request, decided up front from the behaviour and two uniform random numbers. */
export interface Answer {
  readonly delayMs: number;
  readonly status: 200 | 500 | 503;
}

/** Decides one request's answer; `inFlight` counts this request. Pure, so the distribution is testable. */
export function answerFor(b: Behaviour, inFlight: number, u1: number, u2: number): Answer {
  if (b.maxInFlight > 0 && inFlight > b.maxInFlight) return { delayMs: 0, status: 503 };
  const delayMs = b.baseMs + b.slowMs - b.jitterMs * Math.log(1 - u1);
  return { delayMs, status: u2 < b.errorRate ? 500 : 200 };
}
