import type { InboundErrorCode } from "./errors.js";
import type { RejectReason } from "./options.js";

/** The answer to a refused request: status, headers and a JSON body `{ code, message }`. */
export interface Rejection {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly code: InboundErrorCode; readonly message: string };
}

/**
 * `Retry-After` as delta-seconds (RFC 9110 §10.2.3: a non-negative integer, no fractions), rounded up and at least
 * 1 so a client never retries before a token exists.
 */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1_000));
}

/**
 * What each refusal answers. Over the rate: 429 with `Retry-After` (RFC 6585 §4). Over the concurrency limit:
 * 503, the status RFC 9110 §15.6.4 gives a temporary overload, without `Retry-After`: a slot frees when any request
 * finishes, which no header can promise (Envoy's adaptive-concurrency filter answers the same way). Draining: 503
 * with `Connection: close`, so an HTTP/1.1 client takes the next request to another instance (Envoy's drain,
 * `source/common/http/conn_manager_impl.cc`; Undertow's graceful shutdown in Spring Boot answers 503 too).
 */
export function rejectionFor(reason: RejectReason, retryAfterMs = 0): Rejection {
  if (reason === "rate-limit") {
    const seconds = retryAfterSeconds(retryAfterMs);
    return {
      status: 429,
      headers: { "retry-after": String(seconds) },
      body: { code: "OUTRIGGER_RATE_LIMITED", message: `too many requests; retry after ${seconds} s` },
    };
  }
  if (reason === "concurrency") {
    return {
      status: 503,
      headers: {},
      body: { code: "OUTRIGGER_CONCURRENCY_LIMITED", message: "too many requests in flight; retry later or elsewhere" },
    };
  }
  return {
    status: 503,
    headers: { connection: "close" },
    body: { code: "OUTRIGGER_DRAINING", message: "this instance is shutting down; retry on another instance" },
  };
}
