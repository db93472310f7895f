import { isRejection, isResilienceError } from "./errors.js";

/** Error codes of failures where the request never reached the server's application, so any method may retry. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** Statuses that say "try again, perhaps elsewhere": bad gateway, unavailable, gateway timeout, too many requests. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Cause chains deeper than this are not followed: a loop guard, since real wrappers nest two or three deep. */
const MAX_CAUSE_DEPTH = 5;

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function* causeChain(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current && depth < MAX_CAUSE_DEPTH; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * True when `error` (or its cause chain, as fetch and axios wrap them) is a connection failure: the instance is
 * down or unreachable. Retrying such an error on another instance is safe whatever the method.
 */
export function isConnectionError(error: unknown): boolean {
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    if (code && CONNECTION_CODES.has(code)) return true;
  }
  return false;
}

interface HasResponse {
  status?: unknown;
  response?: { status?: unknown; headers?: unknown };
  headers?: unknown;
}

/** The HTTP status an error carries: `error.status` (HttpStatusError, fetch wrappers) or axios' `error.response.status`. */
export function statusOf(error: unknown): number | undefined {
  for (const link of causeChain(error)) {
    const e = link as HasResponse;
    const status = e.response?.status ?? e.status;
    if (typeof status === "number") return status;
  }
  return undefined;
}

function header(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const get = (headers as { get?: unknown }).get;
  const value =
    typeof get === "function" ? get.call(headers, name) : (headers as Record<string, unknown>)[name.toLowerCase()];
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

/**
 * Milliseconds the server asked us to wait (`Retry-After`, delta-seconds or an HTTP date), or a rate limiter's
 * `retryAfterMs`; undefined when there is no hint. `now` is injectable for tests.
 */
export function retryAfterMsOf(error: unknown, now: number = Date.now()): number | undefined {
  for (const link of causeChain(error)) {
    if (isResilienceError(link) && link.retryAfterMs !== undefined) return link.retryAfterMs;
    const e = link as HasResponse;
    const value = header(e.response?.headers ?? e.headers, "retry-after");
    if (value === undefined) continue;
    const seconds = Number(value);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

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
 * The default retry decision: never a policy's own rejection (open circuit, full bulkhead, rate limit); always a
 * connection failure (the request never arrived); a 429/502/503/504 or a per-try timeout only when repeating the
 * call is safe (`idempotent`).
 */
export function isRetryableFailure(error: unknown, idempotent: boolean): boolean {
  if (isRejection(error)) return false;
  if (isConnectionError(error)) return true;
  if (!idempotent) return false;
  if (isResilienceError(error)) return error.code === "RESILIENCE_TIMEOUT";
  const status = statusOf(error);
  return status !== undefined && RETRYABLE_STATUSES.has(status);
}
