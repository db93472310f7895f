import { type Clock, DeadlineQueue, type Expiring, followAbort, monotonicClock } from "@outrigger/core";
import type { GenericAbortSignal } from "axios";

type AbortListener = (event: { readonly type: "abort" }) => void;

/**
 * The queue of one client's per-try timeouts or request deadlines (every entry waits `ms`), read on `clock`;
 * undefined when `ms` is. Its entries expire after the I/O of the turn its timer runs in (`expireAfterIo`): a
 * timer that a stalled event loop (a GC pause, a busy or descheduled process) runs late must not fail an answer
 * already in the socket buffer, abort its connection and retry on another. Both transports build theirs here, so
 * the rule is the same on axios' http adapter and on the undici dispatcher. Not covered: an answer axios still
 * decompresses (zlib works off the loop thread and reports in a later turn).
 */
export function timeoutQueue(ms: number | undefined, clock: Clock = monotonicClock): DeadlineQueue | undefined {
  return ms === undefined ? undefined : new DeadlineQueue(ms, clock, { expireAfterIo: true });
}

/**
 * The signal one attempt hands to axios's http adapter, aborted by the per-try timeout or by the request's own
 * signal. Node 20's EventTarget-based AbortSignal costs ≈ 4 µs for each listener added and removed and
 * `AbortSignal.any` ≈ 25 µs: paid on every attempt, that was most of what a per-try timeout cost (≈ 40 µs of
 * CPU per request). axios takes any signal of this shape (its `GenericAbortSignal`). The per-try timeout is this
 * object's entry in the client's queue (`timeoutQueue`: one timer for all attempts, no Timeout object per attempt),
 * expiring after the I/O of the turn its timer ran in.
 */
export class AttemptSignal implements GenericAbortSignal, Expiring {
  aborted = false;
  reason: unknown = undefined;
  /** True when the per-try timeout, not the request's signal, ended the attempt. */
  timedOut = false;
  /** How late the per-try timer ran after it was due (ms, on the queue's clock); 0 until it fires. For local lag. */
  lateMs = 0;
  /** Owned by the per-try queue. */
  slot = -1;
  readonly #listeners: AbortListener[] = [];
  readonly #perTry: DeadlineQueue | undefined;
  readonly #timeoutReason: () => Error;
  readonly #unfollow: (() => void) | undefined;

  constructor(perTry: DeadlineQueue | undefined, timeoutReason: () => Error, outer: AbortSignal | undefined) {
    this.#timeoutReason = timeoutReason;
    if (outer?.aborted) {
      this.#abort(outer.reason);
      return;
    }
    if (outer) this.#unfollow = followAbort(outer, () => this.#abort(outer.reason));
    this.#perTry = perTry;
    perTry?.add(this);
  }

  /** The per-try timeout (the queue calls it). */
  expire(lateMs: number): void {
    this.timedOut = true;
    this.lateMs = lateMs;
    this.#abort(this.#timeoutReason());
  }

  addEventListener(type: string, listener: AbortListener): void {
    if (type === "abort") this.#listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    const at = type === "abort" ? this.#listeners.indexOf(listener) : -1;
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  /** Leaves the per-try queue and stops following the request's signal; call when the attempt has settled. */
  dispose(): void {
    this.#perTry?.cancel(this);
    this.#unfollow?.();
  }

  #abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.dispose();
    // Listeners get an event, as from an AbortSignal: axios turns it into its CanceledError.
    for (const listener of this.#listeners.splice(0)) listener({ type: "abort" });
  }
}

/**
 * The signal of one whole request: the caller's own when there is no deadline (nothing is added to it), else a
 * controller aborted by the deadline (this object's entry in the client's deadline queue, `timeoutQueue`, expiring
 * after the turn's I/O) or by the caller's signal. Never `AbortSignal.any`: on Node 20 a long-lived source signal
 * keeps every signal made from it alive (nodejs/node#55351). `dispose()` leaves the queue and removes the one
 * listener it added to the caller's signal.
 */
export class RequestSignal implements Expiring {
  readonly signal: AbortSignal | undefined;
  /** Owned by the deadline queue. */
  slot = -1;
  readonly #controller: AbortController | undefined;
  readonly #deadlines: DeadlineQueue | undefined;
  readonly #deadlineReason: () => Error;
  readonly #unfollow: (() => void) | undefined;

  constructor(caller: AbortSignal | undefined, deadlines: DeadlineQueue | undefined, deadlineReason: () => Error) {
    this.#deadlineReason = deadlineReason;
    if (deadlines === undefined) {
      this.signal = caller;
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.signal = controller.signal;
    if (caller?.aborted) {
      controller.abort(caller.reason);
      return;
    }
    if (caller) this.#unfollow = followAbort(caller, () => controller.abort(caller.reason));
    this.#deadlines = deadlines;
    deadlines.add(this);
  }

  /** The deadline (the queue calls it). */
  expire(): void {
    this.#controller?.abort(this.#deadlineReason());
  }

  dispose(): void {
    this.#deadlines?.cancel(this);
    this.#unfollow?.();
  }
}
