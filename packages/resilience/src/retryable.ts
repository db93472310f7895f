import { classifyFailure } from "@outrigger/core";

export { retryAfterMsOf, statusOf } from "@outrigger/core";

/**
 * True when `error` (or its cause chain, as fetch and axios wrap them) says the request never reached a server:
 * refused, unreachable, DNS failure, connect timeout, or marked unsent by the transport. Retrying it on another
 * instance is safe whatever the method. A reset or broken pipe is not such an error: the server may have read
 * and processed the request before the connection dropped.
 */
export function isConnectionError(error: unknown): boolean {
  return classifyFailure(error, NO_STATUSES) === "not-sent";
}

const NO_STATUSES: ReadonlySet<number> = new Set();
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** An HTTP answer whose status means failure; throw it from an attempt so policies can see the status. */
export class HttpStatusError extends Error {
  override readonly name = "HttpStatusError";
  constructor(
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(`upstream answered HTTP ${status}`);
  }
}

/**
 * The retry engine's default failure test, for a custom `retryOn` that wants to extend it: never a policy's
 * rejection; always a request that never reached a server; a 429/502/503/504, a per-try timeout or a connection
 * lost after sending only when repeating the call is safe (`idempotent`).
 */
export function isRetryableFailure(error: unknown, idempotent: boolean): boolean {
  const kind = classifyFailure(error, RETRYABLE_STATUSES);
  if (kind === "not-sent") return true;
  return idempotent && (kind === "status" || kind === "timeout" || kind === "maybe-sent");
}
