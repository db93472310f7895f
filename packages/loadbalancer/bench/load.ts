import type { AxiosInstance } from "axios";

/** What a load run observed, client side. */
export interface LoadResult {
  readonly latencies: number[];
  readonly errors: number;
  readonly requests: number;
}

/**
 * A closed loop: `concurrency` callers, each sending its next request when the last one ends, until `until()`
 * says stop. Latency is end to end, retries included.
 */
export async function closedLoop(
  http: AxiosInstance,
  url: string,
  concurrency: number,
  until: () => boolean,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (!until()) {
      const started = performance.now();
      try {
        await http.get(url);
        latencies.push(performance.now() - started);
      } catch {
        errors++;
        latencies.push(performance.now() - started);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, errors, requests: latencies.length };
}

/** A stop condition: after `n` requests in all (counted at start). */
export function afterRequests(n: number): () => boolean {
  let sent = 0;
  return () => sent++ >= n;
}

/** A stop condition: after `ms` of wall time. */
export function afterMs(ms: number): () => boolean {
  const end = performance.now() + ms;
  return () => performance.now() >= end;
}

/** The q-quantile (0..1) of `values`, in the same unit. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Mean of several runs' figures. */
export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
