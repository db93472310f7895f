import { nowMs } from "./run.js";

/** What the orchestrator asks for a closed-loop run: `concurrency` requests always outstanding. */
export interface ClosedRunRequest {
  readonly url: string;
  readonly concurrency: number;
  /** When the loop starts (epoch ms); the measured window begins `warmupMs` later. */
  readonly startAt: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Responses that completed inside the measured window. */
export interface ClosedRunOutcome {
  readonly completed: number;
  readonly errors: number;
}

/**
 * A closed loop: each of `concurrency` workers sends its next request as soon as the last one answered, so the
 * system runs as fast as its slowest stage allows — the client, when governance costs CPU. Counts the responses
 * that complete inside [start + warm-up, start + warm-up + duration); no request starts after the window.
 */
export function runClosed(r: ClosedRunRequest, send: (url: URL) => Promise<number>): Promise<ClosedRunOutcome> {
  const url = new URL(r.url);
  const windowStart = r.startAt + r.warmupMs;
  const windowEnd = windowStart + r.durationMs;
  let completed = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (nowMs() < windowEnd) {
      const status = await send(url);
      const at = nowMs();
      if (at < windowStart || at >= windowEnd) continue;
      completed += 1;
      if (status < 200 || status >= 300) errors += 1;
    }
  };
  return new Promise((resolve, reject) => {
    setTimeout(
      () => {
        Promise.all(Array.from({ length: r.concurrency }, worker)).then(() => resolve({ completed, errors }), reject);
      },
      Math.max(0, r.startAt - nowMs()),
    );
  });
}
