import { errorGuard } from "@outrigger/core";
import { isOutriggerNodeError, OutriggerNodeError, type OutriggerNodeErrorCode } from "../errors.js";

/**
 * Codes of the inbound middleware (listed in ERRORS.md): `OUTRIGGER_INVALID_OPTION` is thrown by `createInbound`
 * and `setOptions`; the three rejection codes are the `code` of the JSON body a refused request gets.
 */
export type InboundErrorCode = Extract<
  OutriggerNodeErrorCode,
  "OUTRIGGER_INVALID_OPTION" | "OUTRIGGER_RATE_LIMITED" | "OUTRIGGER_CONCURRENCY_LIMITED" | "OUTRIGGER_DRAINING"
>;

/**
 * The inbound middleware's errors are `OutriggerNodeError`s (one class for the package's one `OUTRIGGER_` prefix).
 * @deprecated Use `OutriggerNodeError`; this alias is kept so existing imports and `instanceof` keep working.
 */
export const InboundError = OutriggerNodeError;
/** @deprecated Use `OutriggerNodeError`. */
export type InboundError = OutriggerNodeError;

/** An error from an older copy of this package, whose inbound errors were a class named InboundError. */
const isLegacyInboundError = errorGuard<OutriggerNodeError>("InboundError");

/** True for an error of the inbound middleware (any `OutriggerNodeError`), even from another copy of the package. */
export const isInboundError = (error: unknown): error is OutriggerNodeError =>
  isOutriggerNodeError(error) || isLegacyInboundError(error);

/** Builds the OUTRIGGER_INVALID_OPTION error for a message that names the option (for core's `checkNumber`). */
export const invalidOption = (message: string): OutriggerNodeError =>
  new OutriggerNodeError("OUTRIGGER_INVALID_OPTION", `createInbound: ${message}`);
