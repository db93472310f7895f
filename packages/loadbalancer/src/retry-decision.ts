import { isLbError } from "./errors.js";

/**
 * What limits retries to a share of requests: `RetryBudget` from `@outrigger/resilience` fits, as does any object
 * with these two methods (Finagle's and Linkerd's retry budgets work this way).
 */
export interface RetryBudgetLike {
  /** Records one request (called once per request, not per attempt). */
  deposit(): void;
  /** Takes one retry's worth; false refuses the retry. */
  tryWithdraw(): boolean;
}

/** When the axios client retries an attempt on another instance. */
export interface RetryOptions {
  /**
   * Caps retries at a share of requests so a failing service is not hit by a retry storm: each request deposits,
   * each retry must withdraw. Share one per target service. Default: none (every allowed retry is made).
   */
  readonly budget?: RetryBudgetLike;
  /** Attempts in all, each on an instance not yet tried (default 2 without a `policy`, 1 with one). */
  readonly maxAttempts?: number;
  /** Response statuses worth another instance (default 502, 503, 504: the instance, not the request, failed). */
  readonly retryOnStatus?: readonly number[];
  /** Retry requests with non-idempotent methods too, after failures other than a refused connection. */
  readonly retryNonIdempotent?: boolean;
  /** Methods safe to send twice (default: RFC 9110's idempotent methods). */
  readonly idempotentMethods?: readonly string[];
}

/** RFC 9110 §9.2.2: sending these twice has the same effect as once. */
const IDEMPOTENT = ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"];
const RETRY_STATUSES = [502, 503, 504];

/**
 * Errors raised before a byte of the request reached a server: retrying them is safe for every method, POST
 * included, because the first attempt cannot have had an effect.
 */
const NOT_SENT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL"]);

/** Why an attempt may be retried, or undefined when it must not be. */
export type RetryReason = "connect" | "status" | "timeout" | "error";

/** The error code of `error` or of its causes. */
function codeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NOT_SENT.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Decides whether a failed attempt is retried, given the request's method. */
export class RetryDecision {
  readonly maxAttempts: number;
  readonly budget: RetryBudgetLike | undefined;
  readonly #statuses: ReadonlySet<number>;
  readonly #idempotent: ReadonlySet<string>;
  readonly #anyMethod: boolean;

  constructor(options: RetryOptions, defaultAttempts: number) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? defaultAttempts);
    this.budget = options.budget;
    this.#statuses = new Set(options.retryOnStatus ?? RETRY_STATUSES);
    this.#idempotent = new Set((options.idempotentMethods ?? IDEMPOTENT).map((m) => m.toUpperCase()));
    this.#anyMethod = options.retryNonIdempotent ?? false;
  }

  /** True when `status` marks the instance as failed for this purpose. */
  isRetryStatus(status: number): boolean {
    return this.#statuses.has(status);
  }

  /** The reason to retry after `error` (or a retryable `status`), or undefined. */
  reason(method: string | undefined, error: unknown, status: number | undefined): RetryReason | undefined {
    if (codeOf(error)) return "connect";
    const mayResend = this.#anyMethod || this.#idempotent.has((method ?? "GET").toUpperCase());
    if (!mayResend) return undefined;
    if (status !== undefined) return this.#statuses.has(status) ? "status" : undefined;
    if (isLbError(error) && error.code === "LB_ATTEMPT_TIMEOUT") return "timeout";
    return "error";
  }
}
