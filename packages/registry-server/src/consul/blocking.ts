import { badRequest } from "./consul-error.js";
import { blockingHoldMs } from "./duration.js";

/** The query parameters of a Consul blocking query. */
export interface BlockingParams {
  readonly index?: string;
  readonly wait?: string;
}

/** What a blocking query listens to: anything that may have moved the index. */
export interface ChangeSignal {
  onChange(listener: () => void): () => void;
}

/**
 * Holds a Consul blocking query, after Consul's `parseWait` (agent/http.go: a bad `wait` is 400 `Invalid wait
 * time`, a bad `index` 400 `Invalid index`, both checked even when the query does not block): with `?index=N`
 * equal to the current index, resolves once `currentIndex()` moves (checked on every change signal), when the
 * wait (plus jitter) ends, or when the client leaves. Without an index, with 0, or with any other index (stale,
 * or from before a restart), it resolves at once, so the client gets the current state and, on an index that
 * went backwards, resets as Consul's clients do.
 */
export function blockUntilChanged(
  changes: ChangeSignal,
  currentIndex: () => number,
  params: BlockingParams,
  random: () => number,
  signal: AbortSignal,
): Promise<void> {
  const holdMs = blockingHoldMs(params.wait, random);
  if (params.index === undefined || params.index === "") return Promise.resolve();
  if (!/^\d+$/.test(params.index)) throw badRequest("Invalid index");
  const index = Number(params.index);
  if (index === 0 || currentIndex() !== index || signal.aborted || holdMs === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      stop();
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const stop = changes.onChange(() => {
      if (currentIndex() !== index) finish();
    });
    const timer = setTimeout(finish, holdMs);
    timer.unref();
    signal.addEventListener("abort", finish, { once: true });
  });
}
