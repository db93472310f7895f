import { wallClock } from "./clock.js";

/**
 * How an attempt failed, as far as a retry cares: whether the request may have reached a server, and what the
 * server said. `classifyFailure` is the one place that reads error codes, statuses and the transport's mark.
 */
export type FailureKind =
  /** Provably never reached a server (refused, DNS, connect timeout, nothing written): safe to send anywhere. */
  | "not-sent"
  /** The server answered with a status from the retryable set. */
  | "status"
  /** A per-try timeout cancelled the attempt; the server may be working on it. */
  | "timeout"
  /** The connection failed after the request may have been written (ECONNRESET, EPIPE, …): maybe processed. */
  | "maybe-sent"
  /** A policy or the client refused the call before it ran, or the caller's deadline passed: retrying adds load. */
  | "rejected"
  /** Anything else (an application error, a status outside the set): not a reason to retry. */
  | "other";

const SENT = Symbol.for("outrigger.requestSent");

/**
 * Errors raised before a byte of the request could reach a server (undici's and Node's codes). Only the
 * transport can tell for other errors, by `markRequestSent`.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Transport failures after which the request may have been processed (the connection was up). */
const MAYBE_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  // A malformed answer (framing the parser or undici refused, e.g. Transfer-Encoding with Content-Length): the
  // connection was up, so the request may have been processed; Envoy resets such an upstream and retries it under
  // `retry_on: reset`. undici's parser errors are coded `HPE_*` (see `isParserError`).
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
]);

/** undici's HTTPParserError codes (`HPE_` + llhttp's error name): the answer could not be parsed. */
const isParserError = (code: string): boolean => code.startsWith("HPE_");

/** Codes of per-try timeouts, from the resilience timeout policy and the load-balanced client. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(["RESILIENCE_TIMEOUT", "LB_ATTEMPT_TIMEOUT"]);

/**
 * Whether `error` is axios' own `timeout` firing: an AxiosError coded ECONNABORTED (ETIMEDOUT with
 * `transitional.clarifyTimeoutError`) that wraps nothing. axios makes it in its http adapter's timer
 * (lib/adapters/http.js, "timeout of Nms exceeded"); a socket's own ECONNABORTED or ETIMEDOUT reaches the caller
 * through `AxiosError.from`, which keeps the system error as `cause`. axios-retry reads ECONNABORTED the same way
 * (`isRetryableError` leaves it to `shouldResetTimeout`). A timeout, not a reset (axios/axios#5238: the timer may
 * fire with part of the body read).
 */
export function isAxiosTimeout(error: unknown): boolean {
  const e = error as { isAxiosError?: unknown; code?: unknown; cause?: unknown } | null;
  if (e === null || typeof e !== "object" || e.isAxiosError !== true || e.cause !== undefined) return false;
  return e.code === "ECONNABORTED" || e.code === "ETIMEDOUT";
}

/** Codes meaning "refused before running" or "the caller's time is up": a retry only adds load or cannot help. */
const REJECTED_CODES: ReadonlySet<string> = new Set([
  "RESILIENCE_CIRCUIT_OPEN",
  "RESILIENCE_BULKHEAD_FULL",
  "RESILIENCE_RATE_LIMITED",
  "RESILIENCE_CONCURRENCY_LIMITED",
  "RESILIENCE_DEADLINE_EXCEEDED",
  "LB_DEADLINE_EXCEEDED",
  "LB_QUEUE_FULL",
  "LB_QUEUE_TIMEOUT",
  "LB_BODY_NOT_REPLAYABLE",
  "LB_UNKNOWN_SERVICE",
  "LB_INVALID_URL",
  "LB_INVALID_OPTION",
]);

/** Cause chains deeper than this are not followed: a loop guard, since real wrappers nest two or three deep. */
const MAX_CAUSE_DEPTH = 5;

function* causeChain(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current && depth < MAX_CAUSE_DEPTH; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/**
 * Records on `error` whether the request's bytes left this process (the transport knows it from the socket:
 * connected, and bytes handed to the kernel). Read by `classifyFailure` before any error code.
 */
export function markRequestSent<E>(error: E, sent: boolean): E {
  if (typeof error === "object" && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, SENT, { value: sent, configurable: true });
  }
  return error;
}

/** What the transport recorded with `markRequestSent` on `error` or its causes; undefined when nothing. */
export function requestSentOf(error: unknown): boolean | undefined {
  for (const link of causeChain(error)) {
    const sent = (link as Record<symbol, unknown>)[SENT];
    if (typeof sent === "boolean") return sent;
  }
  return undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

interface HasResponse {
  status?: unknown;
  response?: { status?: unknown; headers?: unknown };
  headers?: unknown;
}

/** The HTTP status an error carries: `error.status` (HttpStatusError, fetch wrappers) or axios' `response.status`. */
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
 * Milliseconds the server asked us to wait (`Retry-After`: delta-seconds or an HTTP date, RFC 9110 §10.2.3), or an
 * error's own `retryAfterMs` (rate limiters); undefined when there is no hint. `now` (wall clock, since an HTTP date
 * is one) is injectable for tests.
 */
export function retryAfterMsOf(error: unknown, now: number = wallClock.now()): number | undefined {
  for (const link of causeChain(error)) {
    const own = (link as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof own === "number" && Number.isFinite(own) && own >= 0) return own;
    const e = link as HasResponse;
    const value = header(e.response?.headers ?? e.headers, "retry-after");
    if (value === undefined) continue;
    const seconds = Number(value);
    if (value.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}

/**
 * What kind of failure `error` is. The transport's mark wins over codes: an ECONNRESET on a socket that never
 * wrote a byte is `not-sent`; one after the request was written is `maybe-sent`. `statuses` are the ones worth
 * another try.
 */
export function classifyFailure(error: unknown, statuses: ReadonlySet<number>): FailureKind {
  let transport: FailureKind | undefined;
  for (const link of causeChain(error)) {
    const code = codeOf(link);
    if (code === undefined) continue;
    if (REJECTED_CODES.has(code)) return "rejected";
    if (TIMEOUT_CODES.has(code)) return "timeout";
    // axios' connect-phase timer fires before a byte is written: the transport's mark says so.
    if (isAxiosTimeout(link)) return requestSentOf(error) === false ? "not-sent" : "timeout";
    if (transport === undefined && NOT_SENT_CODES.has(code)) transport = "not-sent";
    if (transport === undefined && (MAYBE_SENT_CODES.has(code) || isParserError(code))) transport = "maybe-sent";
  }
  const status = statusOf(error);
  if (status !== undefined) return statuses.has(status) ? "status" : "other";
  const sent = requestSentOf(error);
  if (sent === false) return "not-sent";
  if (sent === true) return transport === undefined ? "other" : "maybe-sent";
  return transport ?? "other";
}
