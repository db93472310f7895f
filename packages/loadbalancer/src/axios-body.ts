import type { InternalAxiosRequestConfig } from "axios";
import { LbError } from "./errors.js";
import type { LbCall } from "./lb-call.js";

/** Per-request settings of `createLbAxios` for `lb://` URLs, under the request config's `lb` key. */
export interface LbRequestOptions {
  /** Declares the request safe (or unsafe) to send twice; default: what the method implies (RFC 9110 §9.2.2). */
  readonly idempotent?: boolean;
  /**
   * Makes the body for each attempt, so a stream body can be sent again on a retry (e.g.
   * `() => createReadStream(path)`). Takes the place of `data`. Without it a stream body is sent once: a retry
   * is refused with LB_BODY_NOT_REPLAYABLE rather than sending it truncated or empty.
   */
  readonly body?: () => unknown;
  /**
   * The logical call this request is one execution of, when a retry policy around the client runs it again: the
   * instances earlier executions tried are avoided (see `LbCall`, `createLbCall`). Default: a call of its own.
   */
  readonly call?: LbCall;
}

declare module "axios" {
  interface AxiosRequestConfig {
    /** `@outrigger/loadbalancer`'s settings for this request (idempotency, a body factory for retries). */
    lb?: LbRequestOptions;
  }
}

/** True for a body that can only be read once: a Node stream, a web ReadableStream, or anything with `pipe`. */
function isOneShot(data: unknown): boolean {
  if (typeof data !== "object" || data === null) return false;
  if (typeof (data as { pipe?: unknown }).pipe === "function") return true;
  return typeof ReadableStream !== "undefined" && data instanceof ReadableStream;
}

/**
 * The body of each attempt of one request. Buffers, strings, objects and form fields are sent whole every time; a
 * body factory makes a fresh body per attempt; a one-shot stream is sent once, and a second send is refused with
 * LB_BODY_NOT_REPLAYABLE (a stream read by the first attempt would arrive empty or cut short).
 */
export class RequestBody {
  /** The body can be sent again whole. */
  readonly replayable: boolean;
  readonly #factory: (() => unknown) | undefined;
  readonly #data: unknown;
  #sends = 0;

  constructor(config: InternalAxiosRequestConfig) {
    this.#factory = config.lb?.body;
    this.#data = config.data;
    this.replayable = this.#factory !== undefined || !isOneShot(config.data);
  }

  /** The data for the next send; throws LB_BODY_NOT_REPLAYABLE for a second send of a one-shot stream. */
  next(cause?: unknown): unknown {
    this.#sends++;
    if (this.#factory) return this.#factory();
    if (this.#sends > 1 && !this.replayable) throw notReplayable(cause);
    return this.#data;
  }
}

/** The typed error for a retry that would resend a stream body; `cause` is the failure that wanted the retry. */
export function notReplayable(cause: unknown): LbError {
  return new LbError(
    "LB_BODY_NOT_REPLAYABLE",
    "The request failed and would be retried, but its body is a stream that was already read: pass " +
      "`lb: { body: () => createReadStream(path) }` to make a fresh body per attempt, or send a Buffer",
    { cause },
  );
}
