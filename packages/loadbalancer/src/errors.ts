/** Stable codes of the load balancer's errors; see ERRORS.md at the repository root. */
export type LbErrorCode =
  | "LB_NO_INSTANCES"
  | "LB_INVALID_URL"
  | "LB_UNKNOWN_SERVICE"
  | "LB_ALL_INSTANCES_TRIED"
  | "LB_ATTEMPT_TIMEOUT"
  | "LB_DEADLINE_EXCEEDED"
  | "LB_INVALID_HEALTH_CHECK"
  | "LB_INVALID_LIMIT"
  | "LB_INSTANCES_BUSY"
  | "LB_QUEUE_FULL"
  | "LB_QUEUE_TIMEOUT"
  | "LB_INVALID_OPTION"
  | "LB_BODY_NOT_REPLAYABLE";

const brand = Symbol.for("outrigger.LbError");

/** An error of the load balancer, with a stable `code`. */
export class LbError extends Error {
  readonly [brand] = true;
  override readonly name = "LbError";

  constructor(
    readonly code: LbErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for an LbError, even one from another copy of this package. */
export function isLbError(error: unknown): error is LbError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

/** `value` when it is a finite number ≥ `min` (an integer when `integer`), else an LbError with `code`. */
export function requireNumber(code: LbErrorCode, name: string, value: number, min: number, integer = false): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new LbError(code, `${name} must be ${integer ? "an integer" : "a number"} ≥ ${min}, got ${String(value)}`);
  }
  return value;
}
