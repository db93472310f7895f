import { checkNumber, errorGuard, OutriggerError } from "@outrigger/core";

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

/**
 * An error of the resilience package, with a stable `code`: `@outrigger/core`'s branded error, so
 * `isResilienceError` holds across two copies of the package. Rejections that know when capacity returns (rate
 * limits) carry `retryAfterMs`.
 */
export class ResilienceError extends OutriggerError<ResilienceErrorCode> {
  override readonly name = "ResilienceError";
}

/** True for a ResilienceError, even one from another copy of this package. */
export const isResilienceError: (error: unknown) => error is ResilienceError =
  errorGuard<ResilienceError>("ResilienceError");

/** True when a policy refused the call (open circuit, full bulkhead, rate or concurrency limit). */
export function isRejection(error: unknown): boolean {
  return isResilienceError(error) && REJECTION_CODES.has(error.code);
}

/**
 * True for the error a cancelled request rejects with: `AbortError` (fetch, undici, Node's own, a DOMException) or
 * axios' `CanceledError` — thrown only when the caller's signal or cancel token fired, so it says nothing about the
 * dependency.
 */
export function isCancelError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "AbortError" || name === "CanceledError";
}

const invalidOption = (message: string) => new ResilienceError("RESILIENCE_INVALID_OPTION", message);

/** Throws RESILIENCE_INVALID_OPTION unless `value` is a whole number ≥ `min`. */
export function requireInteger(name: string, value: unknown, min: number): number {
  return checkNumber(name, value, { min, integer: true }, invalidOption);
}

/** Throws RESILIENCE_INVALID_OPTION unless `value` is a finite number in [min, max]. */
export function requireNumber(name: string, value: unknown, min: number, max = Number.POSITIVE_INFINITY): number {
  return checkNumber(name, value, Number.isFinite(max) ? { min, max } : { min }, invalidOption);
}
