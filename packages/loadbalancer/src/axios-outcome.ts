import type { Outcome } from "./outcome.js";
import type { Pick } from "./pick.js";

/** How one attempt went, for the balancer (load metric, stats, outlier detection): the balancer's `Outcome`. */
export type AttemptOutcome = Outcome;

/**
 * Reports `outcome` to the pick: the one place the client calls `pick.done`, so a change of the balancer's
 * `Outcome` shape is made here alone.
 */
export function report(pick: Pick, outcome: AttemptOutcome): void {
  pick.done(outcome);
}

/** The outcome of an answer with `status`: a 5xx is the instance's failure, anything else a success. */
export function statusOutcome(status: number, rttMs: number): AttemptOutcome {
  return status < 500 ? { kind: "success", status, rttMs } : { kind: "failure", reason: "status", status, rttMs };
}
