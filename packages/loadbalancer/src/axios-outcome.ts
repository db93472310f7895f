import type { Pick } from "./balancer.js";

/** How one attempt went, for the balancer (load metric, stats, outlier detection). */
export type AttemptOutcome =
  | { readonly kind: "success"; readonly status?: number; readonly rttMs: number }
  | {
      readonly kind: "failure";
      readonly reason: "status" | "timeout" | "connect" | "reset" | "error";
      readonly status?: number;
      readonly rttMs?: number;
    }
  | { readonly kind: "cancelled" };

/**
 * Reports `outcome` to the pick: the one place the client calls `pick.done`, so a change of the balancer's
 * `Outcome` shape is made here alone.
 */
export function report(pick: Pick, outcome: AttemptOutcome): void {
  if (outcome.kind === "cancelled") {
    pick.done({ ok: true, cancelled: true });
    return;
  }
  const status = outcome.status === undefined ? {} : { status: outcome.status };
  const rtt = outcome.rttMs === undefined ? {} : { rttMs: outcome.rttMs };
  pick.done({ ok: outcome.kind === "success", ...status, ...rtt });
}

/** The outcome of an answer with `status`: a 5xx is the instance's failure, anything else a success. */
export function statusOutcome(status: number, rttMs: number): AttemptOutcome {
  return status < 500 ? { kind: "success", status, rttMs } : { kind: "failure", reason: "status", status, rttMs };
}
