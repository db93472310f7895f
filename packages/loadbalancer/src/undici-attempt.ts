import type { Dispatcher } from "undici";

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

/** What the attempt tells its owner: when the caller's handler took the answer, and how the attempt ended. */
export interface AttemptEvents {
  /** True for a status worth another instance (the engine's set) while attempts may remain. */
  holdStatus(status: number): boolean;
  /** The caller's handler has the answer's headers: no retry any more. */
  committed(): void;
  /** The attempt failed before the caller had headers (or its held answer completed): the engine decides. */
  failed(error: unknown): void;
  /** The answer the caller took completed, or broke (`error`) after its headers. */
  finished(status: number, error?: unknown): void;
}

/**
 * The handler of one attempt on one instance's pool, in front of the caller's handler. Until the caller has
 * headers the attempt can still be retried: a failure, a timeout, or a retryable status (held back, up to
 * MAX_HELD_BYTES) goes to `failed`; then the answer streams through to the caller. Settles once: after an
 * abandon (timeout, caller abort) late callbacks from undici are dropped and the socket is aborted.
 */
export class AttemptHandler implements Dispatcher.DispatchHandlers {
  #abort: ((reason?: Error) => void) | undefined;
  #abandoned: Error | undefined;
  #state: "waiting" | "holding" | "streaming" | "done" = "waiting";
  #held: HeldResponse | undefined;
  #heldBytes = 0;
  #status = 0;

  constructor(
    readonly caller: Dispatcher.DispatchHandlers,
    readonly events: AttemptEvents,
  ) {}

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
    if (this.#state === "waiting") this.caller.onBodySent?.(chunkSize, totalBytesSent);
  }

  onHeaders(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.#state !== "waiting") return true;
    this.#status = status;
    if (this.events.holdStatus(status)) {
      this.#state = "holding";
      this.#held = new HeldResponse(status, headers, statusText);
      return true;
    }
    this.#state = "streaming";
    this.events.committed();
    this.caller.onResponseStarted?.();
    return this.caller.onHeaders?.(status, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#state === "streaming") return this.caller.onData?.(chunk) ?? true;
    const held = this.#held;
    if (this.#state !== "holding" || !held) return true;
    held.chunks.push(chunk);
    this.#heldBytes += chunk.length;
    if (this.#heldBytes <= MAX_HELD_BYTES) return true;
    // Too large to hold: deliver it as the answer rather than buffer without bound.
    this.#state = "streaming";
    this.#held = undefined;
    this.events.committed();
    this.caller.onHeaders?.(held.status, held.rawHeaders as Buffer[], noop, held.statusText);
    let more = true;
    for (const part of held.chunks) more = this.caller.onData?.(part) ?? true;
    return more;
  }

  onComplete(trailers: string[] | null): void {
    if (this.#state === "holding" && this.#held) {
      this.#state = "done";
      this.events.failed(this.#held);
      return;
    }
    if (this.#state !== "streaming") return;
    this.#state = "done";
    this.events.finished(this.#status);
    this.caller.onComplete?.(trailers);
  }

  onError(error: Error): void {
    if (this.#state === "streaming") {
      this.#state = "done";
      this.events.finished(this.#status, error);
      this.caller.onError?.(error);
      return;
    }
    this.#settleError(error);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: unknown): void {
    if (this.#state !== "waiting") return;
    this.#state = "done";
    this.events.committed();
    this.events.finished(statusCode);
    (this.caller.onUpgrade as ((s: number, h: unknown, k: unknown) => void) | undefined)?.(statusCode, headers, socket);
  }

  #settleError(error: unknown): void {
    if (this.#state === "done") return;
    this.#state = "done";
    this.events.failed(error);
  }
}
