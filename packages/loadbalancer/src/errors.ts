import { checkNumber, errorGuard, type NumberRule, OutriggerError } from "@outrigger/core";

/** Stable codes of the load balancer's errors; see ERRORS.md at the repository root. */
export type LbErrorCode =
  | "LB_NO_INSTANCES"
  | "LB_INVALID_URL"
  | "LB_INVALID_OPTION"
  | "LB_UNKNOWN_SERVICE"
  | "LB_ALL_INSTANCES_TRIED"
  | "LB_ATTEMPT_TIMEOUT"
  | "LB_DEADLINE_EXCEEDED"
  | "LB_INSTANCES_BUSY"
  | "LB_PANIC"
  | "LB_QUEUE_FULL"
  | "LB_QUEUE_TIMEOUT"
  | "LB_BODY_NOT_REPLAYABLE"
  | "LB_CLOSED"
  | "LB_TRANSPORT_UNAVAILABLE";

/** An error of the load balancer, with a stable `code` (an `OutriggerError` from `@outrigger/core`). */
export class LbError extends OutriggerError<LbErrorCode> {
  override readonly name = "LbError";
}

/** True for an LbError, even one from another copy of this package. */
export const isLbError = errorGuard<LbError>("LbError");

/** `value` when it satisfies `rule`, else LB_INVALID_OPTION naming the option (`@outrigger/core`'s check). */
export function checkOption(name: string, value: unknown, rule: NumberRule): number {
  return checkNumber(name, value, rule, (message) => new LbError("LB_INVALID_OPTION", message));
}
