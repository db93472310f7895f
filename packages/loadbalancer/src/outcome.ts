import { isAxiosTimeout } from "@outrigger/core";

/** Why an attempt failed: a status the caller counts as the instance's failure, or how the exchange broke. */
export type FailureReason = "status" | "timeout" | "connect" | "reset" | "error";

/**
 * How one request to a picked instance went; feeds load metrics, stats and the outlier detector. A success and a
 * failure carry the round-trip time they took; a cancelled attempt (the caller or the deadline gave up) is nobody's
 * fault and only ends the request in flight.
 */
export type Outcome =
  | { readonly kind: "success"; readonly status?: number; readonly rttMs: number }
  | {
      readonly kind: "failure";
      readonly reason: FailureReason;
      readonly status?: number;
      readonly rttMs?: number;
      /**
       * The client tries the request again on an instance it has not tried yet: this attempt's failure is not the
       * answer the caller keeps. Outlier detection then skips a status or timeout failure when
       * `countRetriedAttempts` is false (HAProxy's rule); set by both transports, absent when not retried.
       */
      readonly retried?: boolean;
    }
  | { readonly kind: "cancelled" };

/** Error codes that mean the request never reached a server (Node's and undici's connect-phase errors). */
const CONNECT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL"]);
/** Error codes that mean the connection broke after it was made. */
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET"]);

/**
 * undici's codes for a request it refuses to send or to finish: invalid arguments, an unsupported header such as
 * `Expect: 100-continue` (nodejs/undici#197; lib/core/request.js throws NotSupportedError), a body longer or
 * shorter than its Content-Length. The request's fault: no instance is blamed for them.
 */
const REQUEST_FAULT = new Set(["UND_ERR_INVALID_ARG", "UND_ERR_NOT_SUPPORTED", "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH"]);

/** Whether `error` is undici's refusal of the request itself (`REQUEST_FAULT`), not a failure of the instance. */
export function isRequestFault(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && REQUEST_FAULT.has(code);
}

/**
 * The failure reason of a transport error, from its `code` or its causes' (connect, reset, else error); axios' own
 * `timeout` is a timeout, though coded ECONNABORTED (`isAxiosTimeout`).
 */
export function failureReason(error: unknown): FailureReason {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (isAxiosTimeout(current)) return "timeout";
    if (typeof code === "string") {
      if (CONNECT.has(code)) return "connect";
      if (RESET.has(code)) return "reset";
    }
    current = (current as { cause?: unknown }).cause;
  }
  return "error";
}

/**
 * The outcome of an HTTP answer: 5xx is the instance's failure (as Envoy's consecutive_5xx counts it), anything
 * else a success for the balancer (a 404 is the request's fault, not the instance's). `retried`: the client tries
 * another instance after this answer (see `Outcome`).
 */
export function httpOutcome(status: number, rttMs: number, retried = false): Outcome {
  if (status < 500) return { kind: "success", status, rttMs };
  return retried
    ? { kind: "failure", reason: "status", status, rttMs, retried }
    : { kind: "failure", reason: "status", status, rttMs };
}

/** A per-try timeout's outcome (the instance's failure), `retried` as in `Outcome`. */
export function timeoutOutcome(rttMs: number, retried: boolean): Outcome {
  return retried
    ? { kind: "failure", reason: "timeout", rttMs, retried }
    : { kind: "failure", reason: "timeout", rttMs };
}
