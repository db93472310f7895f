import { type Clock, followAbort, monotonicClock } from "@outrigger/core";
import type { GenericAbortSignal } from "axios";

type AbortListener = (event: { readonly type: "abort" }) => void;

/**
 * The signal one attempt hands to axios's http adapter, aborted by the per-try timer or by the request's own
 * signal. Node 20's EventTarget-based AbortSignal costs ≈ 4 µs for each listener added and removed and
 * `AbortSignal.any` ≈ 25 µs: paid on every attempt, that was most of what a per-try timeout cost (≈ 40 µs of
 * CPU per request). axios takes any signal of this shape (its `GenericAbortSignal`).
 */
export class AttemptSignal implements GenericAbortSignal {
  aborted = false;
  reason: unknown = undefined;
  /** True when the per-try timer, not the request's signal, ended the attempt. */
  timedOut = false;
  /** How late the per-try timer ran after it was due (ms, on `clock`); 0 until it fires. For the local-lag rule. */
  lateMs = 0;
  readonly #listeners: AbortListener[] = [];
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #unfollow: (() => void) | undefined;

  constructor(
    timeoutMs: number | undefined,
    timeoutReason: () => Error,
    outer: AbortSignal | undefined,
    clock: Clock = monotonicClock,
  ) {
    if (outer?.aborted) {
      this.#abort(outer.reason);
      return;
    }
    if (outer) this.#unfollow = followAbort(outer, () => this.#abort(outer.reason));
    if (timeoutMs !== undefined) {
      const due = clock.now() + timeoutMs;
      this.#timer = setTimeout(() => {
        this.timedOut = true;
        this.lateMs = Math.max(0, clock.now() - due);
        this.#abort(timeoutReason());
      }, timeoutMs);
      this.#timer.unref();
    }
  }

  addEventListener(type: string, listener: AbortListener): void {
    if (type === "abort") this.#listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    const at = type === "abort" ? this.#listeners.indexOf(listener) : -1;
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  /** Stops the timer and stops following the request's signal; call when the attempt has settled. */
  dispose(): void {
    clearTimeout(this.#timer);
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
 * controller aborted by the deadline timer or by the caller's signal. Never `AbortSignal.any`: on Node 20 a
 * long-lived source signal keeps every signal made from it alive (nodejs/node#55351). `dispose()` clears the timer
 * and removes the one listener it added to the caller's signal.
 */
export class RequestSignal {
  readonly signal: AbortSignal | undefined;
  readonly #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #unfollow: (() => void) | undefined;

  constructor(caller: AbortSignal | undefined, deadlineMs: number | undefined, deadlineReason: () => Error) {
    if (deadlineMs === undefined) {
      this.signal = caller;
      return;
    }
    const controller = new AbortController();
    this.signal = controller.signal;
    if (caller?.aborted) {
      controller.abort(caller.reason);
      return;
    }
    if (caller) this.#unfollow = followAbort(caller, () => controller.abort(caller.reason));
    // deadlineMs was checked against setTimeout's limit when the client was made.
    this.#timer = setTimeout(() => controller.abort(deadlineReason()), deadlineMs);
    this.#timer.unref();
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#unfollow?.();
  }
}
