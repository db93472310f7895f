/** Stable codes of the resilience package's errors; see ERRORS.md at the repository root. */
export type ResilienceErrorCode =
  | "RESILIENCE_INVALID_OPTION"
  | "RESILIENCE_INVALID_SPEC"
  | "RESILIENCE_CIRCUIT_OPEN"
  | "RESILIENCE_BULKHEAD_FULL"
  | "RESILIENCE_RATE_LIMITED"
  | "RESILIENCE_CONCURRENCY_LIMITED"
  | "RESILIENCE_TIMEOUT"
  | "RESILIENCE_DEADLINE_EXCEEDED"
  | "RESILIENCE_STORE_TIMEOUT"
  | "RESILIENCE_STORE_FAILED";

/** Codes of errors raised when a policy refused a call before it ran; retrying such a call only adds load. */
export const REJECTION_CODES: ReadonlySet<ResilienceErrorCode> = new Set([
  "RESILIENCE_CIRCUIT_OPEN",
  "RESILIENCE_BULKHEAD_FULL",
  "RESILIENCE_RATE_LIMITED",
  "RESILIENCE_CONCURRENCY_LIMITED",
]);

const brand = Symbol.for("outrigger.ResilienceError");

/** An error of the resilience package, with a stable `code`. */
export class ResilienceError extends Error {
  readonly [brand] = true;
  override readonly name = "ResilienceError";

  constructor(
    readonly code: ResilienceErrorCode,
    message: string,
    options?: ErrorOptions & { retryAfterMs?: number },
  ) {
    super(message, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }

  /** For rejections that know when capacity returns (rate limits): wait this long before trying again. */
  readonly retryAfterMs?: number;
}

/** True for a ResilienceError, even one from another copy of this package. */
export function isResilienceError(error: unknown): error is ResilienceError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

/** True when a policy refused the call (open circuit, full bulkhead, rate or concurrency limit). */
export function isRejection(error: unknown): boolean {
  return isResilienceError(error) && REJECTION_CODES.has(error.code);
}

/** Throws RESILIENCE_INVALID_OPTION unless `value` is a whole number ≥ `min`. */
export function requireInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ResilienceError("RESILIENCE_INVALID_OPTION", `${name} must be a whole number ≥ ${min}, got ${value}`);
  }
  return value;
}

/** Throws RESILIENCE_INVALID_OPTION unless `value` is a finite number in [min, max]. */
export function requireNumber(name: string, value: unknown, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `between ${min} and ${max}`;
    throw new ResilienceError("RESILIENCE_INVALID_OPTION", `${name} must be a number ${range}, got ${value}`);
  }
  return value;
}
