import type { AbortSource, AttemptContext, Expiring, Settles } from "@outrigger/core";
import type { Dispatcher } from "undici";
import type { AttemptMessage, TracedAttemptOwner } from "./channels.js";
import { LbError } from "./errors.js";
import type { Pick } from "./pick.js";

/** Largest retryable answer (e.g. a 503 page) held back while the retry engine decides; a larger one is delivered. */
export const MAX_HELD_BYTES = 64 * 1024;

/**
 * A retryable answer (a status in the engine's set) held back instead of delivered, so another instance can be
 * tried; carries `status` and `headers` for the engine (`statusOf`, `retryAfterMsOf`) and is replayed to the
 * caller when the engine gives up (the last instance's answer is the request's answer, as the axios client does).
 */
export class HeldResponse extends Error {
  readonly headers: Record<string, string>;
  readonly chunks: Buffer[] = [];

  constructor(
    readonly status: number,
    readonly rawHeaders: Buffer[] | string[],
    readonly statusText: string,
  ) {
    super(`HTTP ${status}`);
    this.headers = headerRecord(rawHeaders);
  }

  /** Delivers the held answer to `handler` as if it had just arrived. */
  replay(handler: Dispatcher.DispatchHandlers): void {
    // As undici announces every answer (Node's fetch takes its response-start time from it).
    handler.onResponseStarted?.();
    handler.onHeaders?.(this.status, this.rawHeaders as Buffer[], noop, this.statusText);
    for (const chunk of this.chunks) handler.onData?.(chunk);
    handler.onComplete?.([]);
  }
}

const noop = (): void => undefined;

/** Lower-cased header names to values, from undici's flat [name, value, …] list. */
function headerRecord(raw: readonly (Buffer | string)[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) record[String(raw[i]).toLowerCase()] = String(raw[i + 1]);
  return record;
}

/** What the attempt tells its owner (the balanced call): when the caller took the answer, how the attempt ended. */
export interface AttemptOwner {
  readonly caller: Dispatcher.DispatchHandlers;
  /** True for a status worth another instance (the engine's set) while attempts may remain for `attempt`. */
  holdStatus(attempt: AttemptHandler, status: number): boolean;
  /** The caller's handler has the answer's headers: no retry any more. */
  committed(attempt: AttemptHandler): void;
  /** The attempt failed before the caller had headers (or its held answer completed): the engine decides. */
  failed(attempt: AttemptHandler, error: unknown): void;
  /** The answer the caller took completed, or broke (`error`) after its headers. */
  finished(attempt: AttemptHandler, status: number, error?: unknown): void;
}

/**
 * The handler of one attempt on one instance's pool, in front of the caller's handler. Until the caller has
 * headers the attempt can still be retried: a failure, a timeout, or a retryable status (held back, up to
 * MAX_HELD_BYTES) goes to `failed`; then the answer streams through to the caller. Settles once: after an
 * abandon (timeout, caller abort) late callbacks from undici are dropped and the socket is aborted. It is also its
 * own per-try timeout entry (`Expiring`) and carries what its owner needs to judge it, so an attempt allocates no
 * closures, no AbortController and no timer.
 */
export class AttemptHandler implements Dispatcher.DispatchHandlers, Expiring, TracedAttemptOwner {
  slot = -1;
  /** The per-try timeout's error when it, not a caller or policy, ended the attempt. */
  timedOut: LbError | undefined;
  /** When the attempt was sent (performance.now()). */
  readonly started = performance.now();
  /** Stops following a policy's signal (set by the owner when it follows one). */
  unfollow: () => void = noop;
  /** This attempt's trace message until its end is published (channels.ts `traceAttemptOf`). */
  traced: AttemptMessage | undefined = undefined;
  #abort: ((reason?: Error) => void) | undefined;
  #abandoned: Error | undefined;
  #state: "waiting" | "holding" | "streaming" | "done" = "waiting";
  #held: HeldResponse | undefined;
  #heldBytes = 0;
  /** undici's resume for this attempt's socket, kept while an answer is held (it may be delivered after all). */
  #resume: () => void = noop;
  #status = 0;

  constructor(
    readonly owner: AttemptOwner,
    readonly pick: Pick,
    /** No attempt may follow this one: a retryable status is the answer, not held back. */
    readonly lastAttempt: boolean,
    /** The per-try timeout (ms) that `expire` reports. */
    readonly perTryMs: number | undefined,
    /** A policy's signal the attempt runs under (its timeout, a lost hedge); undefined without a policy. */
    readonly signal: AbortSource | undefined,
    /** The retry engine's context of this attempt: asked whether a failure will be retried (`willRetry`). */
    readonly context: AttemptContext,
    /** Where the attempt's outcome goes (its owner settles it): a policy's sink, the call's own, or a promise's. */
    readonly sink: Settles<void>,
    /** The engine's first attempt, run outside `engine.run`: its owner hands its failure to the engine. */
    readonly first = false,
  ) {}

  /** How late the per-try timer ran after the attempt fell due (ms); 0 until it fires. */
  lateMs = 0;

  /** Per-try timeout (the queue calls it, with how late its timer ran). */
  expire(lateMs = 0): void {
    if (this.#state === "done") return;
    this.lateMs = lateMs;
    const id = this.pick.instance.id;
    this.timedOut = new LbError("LB_ATTEMPT_TIMEOUT", `${id} did not answer within ${this.perTryMs} ms`);
    this.abandon(this.timedOut);
  }

  /** Ends the attempt with `reason` (per-try timeout, caller abort, deadline): aborts the socket if it has one. */
  abandon(reason: Error): void {
    if (this.#state === "done") return;
    if (this.#abort) {
      this.#abort(reason);
      return;
    }
    // Still queued or connecting: undici has no abort for it yet; fail now and abort when it connects.
    this.#abandoned = reason;
    this.#settleError(reason);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
    if (this.#abandoned) abort(this.#abandoned);
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    if (this.#state === "waiting") this.owner.caller.onBodySent?.(chunkSize, totalBytesSent);
  }

  onHeaders(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.#state !== "waiting") return true;
    this.#status = status;
    if (this.owner.holdStatus(this, status)) {
      this.#state = "holding";
      this.#held = new HeldResponse(status, headers, statusText);
      this.#resume = resume;
      return true;
    }
    this.#state = "streaming";
    this.owner.committed(this);
    const caller = this.owner.caller;
    caller.onResponseStarted?.();
    return caller.onHeaders?.(status, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#state === "streaming") return this.owner.caller.onData?.(chunk) ?? true;
    const held = this.#held;
    if (this.#state !== "holding" || !held) return true;
    held.chunks.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes <= MAX_HELD_BYTES) return true;
    // Too large to hold: deliver it as the answer rather than buffer without bound. The rest streams from this
    // attempt's socket, so the caller gets its resume: a caller that pauses (returns false) resumes it, as undici's
    // own answers do (nodejs/undici#5405: a body handed a resume not wired to its live connection hung).
    this.#state = "streaming";
    this.#held = undefined;
    this.owner.committed(this);
    const caller = this.owner.caller;
    caller.onResponseStarted?.();
    caller.onHeaders?.(held.status, held.rawHeaders as Buffer[], this.#resume, held.statusText);
    let more = true;
    for (const part of held.chunks) more = caller.onData?.(part) ?? true;
    return more;
  }

  onComplete(trailers: string[] | null): void {
    if (this.#state === "holding" && this.#held) {
      this.#state = "done";
      this.owner.failed(this, this.#held);
      return;
    }
    if (this.#state !== "streaming") return;
    this.#state = "done";
    this.owner.finished(this, this.#status);
    this.owner.caller.onComplete?.(trailers);
  }

  onError(error: Error): void {
    if (this.#state === "streaming") {
      this.#state = "done";
      this.owner.finished(this, this.#status, error);
      this.owner.caller.onError?.(error);
      return;
    }
    this.#settleError(error);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: unknown): void {
    if (this.#state !== "waiting") return;
    this.#state = "done";
    this.owner.committed(this);
    this.owner.finished(this, statusCode);
    const caller = this.owner.caller;
    (caller.onUpgrade as ((s: number, h: unknown, k: unknown) => void) | undefined)?.(statusCode, headers, socket);
  }

  #settleError(error: unknown): void {
    if (this.#state === "done") return;
    this.#state = "done";
    this.owner.failed(this, error);
  }
}
