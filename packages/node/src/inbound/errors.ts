import { errorGuard, OutriggerError } from "@outrigger/core";

/**
 * Stable codes of the inbound middleware (listed in ERRORS.md). `OUTRIGGER_INVALID_OPTION` is thrown by
 * `createInbound` and `setOptions`; the three rejection codes are the `code` of the JSON body a refused request gets.
 */
export type InboundErrorCode =
  | "OUTRIGGER_INVALID_OPTION"
  | "OUTRIGGER_RATE_LIMITED"
  | "OUTRIGGER_CONCURRENCY_LIMITED"
  | "OUTRIGGER_DRAINING";

/** An error of the inbound middleware with a stable `code` (`@outrigger/core`'s branded error). */
export class InboundError extends OutriggerError<InboundErrorCode> {
  override readonly name = "InboundError";
}

/** True for an InboundError, even one from another copy of the package. */
export const isInboundError: (error: unknown) => error is InboundError = errorGuard<InboundError>("InboundError");

/** Builds the OUTRIGGER_INVALID_OPTION error for a message that names the option (for core's `checkNumber`). */
export const invalidOption = (message: string): InboundError =>
  new InboundError("OUTRIGGER_INVALID_OPTION", `createInbound: ${message}`);
