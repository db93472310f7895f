import { errorGuard, OutriggerError, type OutriggerErrorOptions } from "@outrigger/core";

/** Stable codes of `@outrigger/node`'s errors; see ERRORS.md at the repository root. */
export type OutriggerNodeErrorCode =
  | "OUTRIGGER_CONFIG_INVALID"
  | "OUTRIGGER_REGISTRY_UNREACHABLE"
  | "OUTRIGGER_UNKNOWN_SERVICE"
  | "OUTRIGGER_PORT_IN_USE"
  | "OUTRIGGER_INVALID_OPTION"
  | "OUTRIGGER_CLOSED"
  | "OUTRIGGER_INVALID_URL"
  | "OUTRIGGER_TOO_MANY_SERVICES"
  // The control-plane client's (control-plane/): a revision it could not apply (NACKed), a report it could not send,
  // an applied revision it could not save in its state directory.
  | "OUTRIGGER_POLICY_REJECTED"
  | "OUTRIGGER_POLICY_REPORT_FAILED"
  | "OUTRIGGER_POLICY_SAVE_FAILED"
  // The inbound middleware's: thrown by createInbound/setOptions (INVALID_OPTION above) or the `code` of the JSON
  // body a refused request gets.
  | "OUTRIGGER_RATE_LIMITED"
  | "OUTRIGGER_CONCURRENCY_LIMITED"
  | "OUTRIGGER_DRAINING";

/** Where an `OUTRIGGER_CONFIG_INVALID` points: the dotted config path at fault. */
export interface OutriggerNodeErrorOptions extends OutriggerErrorOptions {
  readonly path?: string;
}

/**
 * An error of `@outrigger/node`: an `OutriggerError` with a stable `OUTRIGGER_…` code, a message that says what to
 * do, and for config errors the dotted `path` at fault (`outrigger.clients.services.inventory.retry.maxAttempts`).
 */
export class OutriggerNodeError extends OutriggerError<OutriggerNodeErrorCode> {
  override readonly name = "OutriggerNodeError";
  /** The dotted config path at fault, when one is. */
  readonly path: string | undefined;

  constructor(code: OutriggerNodeErrorCode, message: string, options?: OutriggerNodeErrorOptions) {
    super(code, message, options);
    this.path = options?.path;
  }
}

/** True for an OutriggerNodeError, even from another copy of this package (matched by brand and name). */
export const isOutriggerNodeError = errorGuard<OutriggerNodeError>("OutriggerNodeError");
