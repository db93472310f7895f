/**
 * A cancellation cheaper than an AbortSignal (see `LazyAbort`): it can be followed and checked like one, and makes a
 * real AbortSignal only when something asks for `signal` (an HTTP client, a user's function).
 */
export interface Cancellation {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Calls `onAbort` once when it aborts (never when it already has); the returned function stops following. */
  follow(onAbort: () => void): () => void;
  /** A real AbortSignal that aborts with it, made on first read. */
  readonly signal: AbortSignal;
}

/** What an attempt can be cancelled through: a real AbortSignal or a `Cancellation`. */
export type AbortSource = AbortSignal | Cancellation;

/**
 * True for a `Cancellation`, false for an AbortSignal — also one from another realm or a polyfill (jsdom, the
 * abort-controller package), which `instanceof AbortSignal` would miss.
 */
export function isCancellation(source: AbortSource): source is Cancellation {
  return typeof (source as Partial<Cancellation>).follow === "function";
}

/** A signal that never aborts, for calls made without one (one shared instance: never listen to it). */
export const neverAborted: AbortSignal = new AbortController().signal;

type AbortFollower = () => void;

/** The followers of one signal and the one listener that calls them. */
interface Followers {
  readonly list: Set<AbortFollower>;
  readonly fire: () => void;
}

const following = new WeakMap<AbortSignal, Followers>();

/**
 * Calls `onAbort` once when `source` aborts; the returned function stops following (call it when the attempt
 * ends). A `Cancellation` keeps its own followers (no AbortSignal is made). However many attempts follow one
 * AbortSignal at once, the signal carries one listener: a long-lived caller signal shared by hundreds of requests
 * in flight trips no MaxListenersExceededWarning, and following a signal someone already follows costs a Set
 * insert instead of an EventTarget listener (≈ 4 µs per add/remove pair on Node 20). `neverAborted` and an
 * already aborted source get no follower.
 */
export function followAbort(source: AbortSource, onAbort: AbortFollower): () => void {
  if (isCancellation(source)) return source.follow(onAbort);
  const signal = source;
  if (signal === neverAborted || signal.aborted) return noop;
  let group = following.get(signal);
  if (!group) {
    const list = new Set<AbortFollower>();
    const fire = () => {
      following.delete(signal);
      const now = [...list];
      list.clear();
      for (const follower of now) follower();
    };
    group = { list, fire };
    following.set(signal, group);
    signal.addEventListener("abort", fire, { once: true });
  }
  // A wrapper per call: one function following twice is two followers.
  const own = () => onAbort();
  const mine = group;
  mine.list.add(own);
  return () => {
    if (!mine.list.delete(own) || mine.list.size > 0) return;
    // The last follower left: take the one listener off the signal, so nothing stays on it.
    if (following.get(signal) === mine) following.delete(signal);
    signal.removeEventListener("abort", mine.fire);
  };
}

export const noop = (): void => undefined;
