import { type AbortSource, type Cancellation, followAbort, neverAborted, noop } from "./follow-abort.js";

/**
 * One attempt's cancellation, with no AbortSignal until one is asked for. On Node 20 an AbortController with its
 * signal, and an EventTarget listener on it, cost tens of µs of CPU and GC per call (a profile of the lb undici
 * dispatcher under resilience's timeout policy: ~14% of its client CPU), while most attempts end before anyone
 * aborts them and the transport follows them directly. This keeps its followers itself (the usual single one in
 * a slot, more in an array), aborts them, and makes the real signal on the first `signal` read (already aborted,
 * when it has been). It follows its `parent` (a caller's signal, an outer attempt) until `abort` or `release`.
 * Cockatiel's timeout makes an AbortController per call instead (src/TimeoutPolicy.ts); the behaviour seen through
 * `signal` is the same.
 */
export class LazyAbort implements Cancellation {
  aborted = false;
  reason: unknown = undefined;
  #controller: AbortController | undefined;
  /** The first follower, while no later one waits: an attempt usually has one (its transport); an array grew to 17. */
  #first: (() => void) | undefined;
  /** Followers after the first, in the order they came; called after `#first`. */
  #more: (() => void)[] | undefined;
  #unfollow: (() => void) | undefined;

  constructor(parent: AbortSource = neverAborted) {
    if (parent.aborted) {
      this.aborted = true;
      this.reason = parent.reason;
    } else if (parent !== neverAborted) {
      this.#unfollow = followAbort(parent, () => this.abort(parent.reason));
    }
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  follow(onAbort: () => void): () => void {
    if (this.aborted) return noop;
    // The slot only while no array follower waits, so followers are still called in the order they came.
    if (this.#first === undefined && !this.#more?.length) {
      this.#first = onAbort;
      return () => {
        if (this.#first === onAbort) this.#first = undefined;
      };
    }
    this.#more ??= [];
    const followers = this.#more;
    followers.push(onAbort);
    return () => {
      const at = followers.indexOf(onAbort);
      if (at >= 0) followers.splice(at, 1);
    };
  }

  /** Aborts with `reason` (once): the signal if made, then every follower; stops following the parent. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.release();
    this.#controller?.abort(reason);
    const first = this.#first;
    const more = this.#more;
    this.#first = undefined;
    this.#more = undefined;
    first?.();
    if (more) for (const follower of more) follower();
  }

  /** Stops following the parent (call when the attempt is over): a long-lived caller signal keeps nothing. */
  release(): void {
    this.#unfollow?.();
    this.#unfollow = undefined;
  }
}
