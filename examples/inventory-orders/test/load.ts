/** Steady load on a URL from `concurrency` loops; `stop()` ends it and tells how it went. */
export interface Load {
  /** Requests answered so far, and those that failed (a status other than 200, or no answer). */
  readonly counts: { ok: number; failed: number; firstFailure: string | undefined };
  /** Resolves once `n` more requests were answered 200 (the load's own answers, not a sleep). */
  answers(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<{ ok: number; failed: number; firstFailure: string | undefined }>;
}

/** Starts `concurrency` loops, each sending GET `url` again as soon as the previous answer came. */
export function steadyLoad(url: string, concurrency = 4): Load {
  const counts = { ok: 0, failed: 0, firstFailure: undefined as string | undefined };
  let running = true;
  const waiters: { target: number; resolve: () => void }[] = [];
  const answered = () => {
    counts.ok += 1;
    for (const waiter of waiters.filter((w) => counts.ok >= w.target)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  const loop = async () => {
    while (running) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        const body = await response.text();
        if (response.status === 200) answered();
        else {
          counts.failed += 1;
          counts.firstFailure ??= `${response.status} ${body}`;
        }
      } catch (error) {
        counts.failed += 1;
        counts.firstFailure ??= String(error);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    counts,
    answers(n, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fewer than ${n} answers within ${timeoutMs} ms`)), timeoutMs);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiters.push({ target: counts.ok + n, resolve: done });
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { ...counts };
    },
  };
}
