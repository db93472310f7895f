import type { Registry } from "./registry.js";
import type { WaitRoom } from "./wait-room.js";
import { readWaitMs } from "./wait-time.js";
import type { RunIndex } from "./watch-index.js";

/** Hold time when a watch names none. */
export const DEFAULT_WATCH_WAIT_MS = 30_000;

/**
 * Reads a watch's `wait` with the Consul routes' parser and cap (`readWaitMs`: a Go duration such as `30s`,
 * `1m30s` or `250ms`, at most 10 minutes); undefined when it is not one (a bare `30` included).
 */
export function parseWait(text: string | undefined): number | undefined {
  return readWaitMs(text, DEFAULT_WATCH_WAIT_MS);
}

/**
 * True while a long poll sent with `index` should keep waiting, the registry's index for it being `current`. In a
 * cluster the index is one never-decreasing value merged across peers, so the poll holds while `current ≤ index`
 * (Consul's `agent/consul/rpc.go` blockingQuery: `queryMeta.GetIndex() <= minQueryIndex`): a client bouncing between
 * peers behind a round-robin proxy, one of them a few milliseconds behind, is held instead of answered at once.
 * A lone registry holds only on the very index it handed out: any other (from before a restart) is answered at
 * once, so the client resets.
 */
export function holdsAt(registry: Registry, current: number, index: number): boolean {
  return registry.clustered ? current <= index : current === index;
}

/**
 * How far ahead of this peer's index a client's index may be and still count as the cluster's: a peer a few
 * replications behind is normal; an index a million changes ahead is not one the cluster handed out.
 */
const MAX_CLIENT_INDEX_LEAD = 1_000_000;

/**
 * In a cluster, takes a client's index into ours when it is ahead (it was handed out by a peer whose changes have
 * not reached us yet), so the next change here numbers above it and wakes the client, instead of being numbered
 * below it and left unseen until the hold ends.
 */
export function adoptClientIndex(registry: Registry, index: number): void {
  if (registry.clustered && index > registry.version && index - registry.version <= MAX_CLIENT_INDEX_LEAD) {
    registry.mergeIndex(index);
  }
}

/**
 * Resolves once `app` changes past `index`, or when `waitMs` ends, or when `signal` aborts (the client left).
 * `indexes` numbers the application's changes (`RunIndex.app`): in a lone registry any index but the current one
 * (one from before a restart, whose run tag differs) resolves at once, so the client takes the new state and resets.
 * `room` holds every watch of the registry (its feed: registry and policy changes): watchers of one application
 * at one index are checked once per change, and share one timer.
 */
export function waitForAppChange(
  room: WaitRoom,
  indexes: RunIndex,
  app: string,
  index: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<void> {
  const { registry } = indexes;
  adoptClientIndex(registry, index);
  const name = app.toUpperCase();
  return room.wait(`${name} ${index}`, () => holdsAt(registry, indexes.app(name), index), waitMs, signal);
}
