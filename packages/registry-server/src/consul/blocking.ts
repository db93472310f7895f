import type { Registry } from "../registry.js";
import { WaitRoom } from "../wait-room.js";
import { holdsAt } from "../watch.js";
import { badRequest } from "./consul-error.js";
import { blockingHoldMs } from "./duration.js";

/** The query parameters of a Consul blocking query. */
export interface BlockingParams {
  readonly index?: string;
  readonly wait?: string;
}

const UINT64_MAX = 18_446_744_073_709_551_615n;

/** What a blocking query listens to: anything that may have moved the index. */
export interface ChangeSignal {
  onChange(listener: () => void): () => void;
  /** The registry behind the index, if any: in a cluster a query holds while the index is ≤ the client's. */
  readonly registry?: Registry;
}

const rooms = new WeakMap<ChangeSignal, WaitRoom>();
let nextSolo = 0;

/** The one `WaitRoom` of a change signal (made on first use): every query held on it shares its subscription and timer. */
export function waitRoomOf(changes: ChangeSignal): WaitRoom {
  let room = rooms.get(changes);
  if (!room) {
    room = new WaitRoom(changes);
    rooms.set(changes, room);
  }
  return room;
}

/**
 * Holds a Consul blocking query, after Consul's `parseWait` (agent/http.go: a bad `wait` is 400 `Invalid wait
 * time`, a bad `index` 400 `Invalid index`, both checked even when the query does not block): with `?index=N`
 * equal to the current index, resolves once `currentIndex()` moves (checked on every change signal), when the
 * wait (plus jitter) ends, or when the client leaves (`signal`). Held queries of one `changes` share one `WaitRoom`: one subscription, one
 * check per `key` and client index on a change, one timer, woken in bounded batches. Without an index, with 0, or with any other index (stale,
 * or from before a restart), it resolves at once, so the client gets the current state and, on an index that
 * went backwards, resets as Consul's clients do.
 */
export function blockUntilChanged(
  changes: ChangeSignal,
  currentIndex: () => number,
  params: BlockingParams,
  random: () => number,
  signal: AbortSignal,
  key?: string,
): Promise<void> {
  const holdMs = blockingHoldMs(params.wait, random);
  if (params.index === undefined || params.index === "") return Promise.resolve();
  // Consul's parseWait reads the index with strconv.ParseUint(idx, 10, 64): digits only, at most uint64's maximum.
  if (!/^\d+$/.test(params.index) || BigInt(params.index) > UINT64_MAX) throw badRequest("Invalid index");
  const index = Number(params.index);
  // One index across peers (see `holdsAt`): in a cluster, hold while the index is at or below the client's.
  const holds = (current: number) => (changes.registry ? holdsAt(changes.registry, current, index) : current === index);
  if (index === 0 || !holds(currentIndex()) || signal.aborted || holdMs === 0) return Promise.resolve();
  // Waiters of one index function and client index share a group: `key` names the index function (a route's
  // service, or the global index); without one the waiter is a group of its own.
  const group = key === undefined ? `\u0000solo ${nextSolo++}` : `${key} ${index}`;
  return waitRoomOf(changes).wait(group, () => holds(currentIndex()), holdMs, signal);
}
