/** Stable codes of the resilience package's errors; see ERRORS.md at the repository root. */
export type ResilienceErrorCode = "RESILIENCE_INVALID_OPTION";

const brand = Symbol.for("outrigger.ResilienceError");

/** An error of the resilience package, with a stable `code`. */
export class ResilienceError extends Error {
  readonly [brand] = true;
  override readonly name = "ResilienceError";

  constructor(
    readonly code: ResilienceErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for a ResilienceError, even one from another copy of this package. */
export function isResilienceError(error: unknown): error is ResilienceError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
