import type { Registry } from "../registry.js";
import { adoptClientIndex, holdsAt } from "../watch.js";
import { badRequest } from "./consul-error.js";
import { blockingHoldMs } from "./duration.js";

/** The query parameters of a Consul blocking query. */
export interface BlockingParams {
  readonly index?: string;
  readonly wait?: string;
}

/**
 * Holds a Consul blocking query: with `?index=N` equal to the current index, resolves once `currentIndex()` moves
 * (checked on every registry change), when the wait (plus jitter) ends, or when the client leaves. Without an
 * index, with 0, or with any other index (stale, or from before a restart), it resolves at once, so the client
 * gets the current state and, on an index that went backwards, resets as Consul's clients do.
 */
export function blockUntilChanged(
  registry: Registry,
  currentIndex: () => number,
  params: BlockingParams,
  random: () => number,
  signal: AbortSignal,
): Promise<void> {
  if (params.index === undefined || params.index === "") return Promise.resolve();
  if (!/^\d+$/.test(params.index)) throw badRequest(`Invalid index: "${params.index}" is not a whole number`);
  const holdMs = blockingHoldMs(params.wait, random);
  const index = Number(params.index);
  adoptClientIndex(registry, index);
  if (index === 0 || !holdsAt(registry, currentIndex(), index) || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      stop();
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const stop = registry.onChange(() => {
      if (!holdsAt(registry, currentIndex(), index)) finish();
    });
    const timer = setTimeout(finish, holdMs);
    timer.unref();
    signal.addEventListener("abort", finish, { once: true });
  });
}

/** Consul's indexes start at 1: a client that reads 0 treats the answer as broken. */
export function consulIndex(version: number): number {
  return Math.max(1, version);
}
