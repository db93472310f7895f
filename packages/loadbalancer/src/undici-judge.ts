import { classifyFailure, isLocalLag, timerLateMsOf } from "@outrigger/core";
import { retriedAfter } from "./attempt-step.js";
import { isLbError, LbError } from "./errors.js";
import { failureReason, httpOutcome, isRequestFault, timeoutOutcome } from "./outcome.js";
import { retriesTriedInstances } from "./retry-decision.js";
import { type AttemptHandler, HeldResponse } from "./undici-attempt.js";
import type { CallRoute } from "./undici-route.js";

/** What judging a failed attempt needs to know of its request. */
export interface JudgeContext {
  /** Why the caller or the deadline ended the request; undefined while it runs. */
  readonly stopped: Error | undefined;
  /** The request's balancer and retry engine (whose statuses tell a policy timeout from other aborts). */
  readonly route: CallRoute;
  /** A timer that ran more than this late (ms) is the client's lag (core's `isLocalLag`). */
  readonly localLagThresholdMs: number;
  /** The instances the request tried, this attempt's included. */
  readonly tried: ReadonlySet<string>;
  /** False for a break after the caller took the answer: nothing is retried after it. */
  readonly retriable: boolean;
}

/** Whether the request goes on to an untried instance after `attempt` throws `error` (attempt-step's `retriedAfter`). */
function retried(attempt: AttemptHandler, error: unknown, context: JudgeContext): boolean {
  const { balancer, engine } = context.route;
  return (
    context.retriable && retriedAfter(error, attempt.context, balancer, context.tried, retriesTriedInstances(engine))
  );
}

/**
 * Reports a failed attempt to its pick — whose fault it was: the instance's (a failure with its reason and
 * round-trip time), nobody's (`cancelled`: the caller, the deadline or a policy gave up, or the timer ran late on
 * a blocked event loop) — and returns the error the retry engine should see.
 */
export function judgeAttempt(attempt: AttemptHandler, error: unknown, rttMs: number, context: JudgeContext): unknown {
  const { pick, signal } = attempt;
  if (error instanceof HeldResponse) {
    pick.done(httpOutcome(error.status, rttMs, error.status >= 500 && retried(attempt, error, context)));
    return error;
  }
  const { stopped } = context;
  if (stopped) {
    // The caller or the deadline gave up: not the instance's fault.
    pick.done({ kind: "cancelled" });
    return isLbError(stopped) ? new LbError(stopped.code, stopped.message, { cause: error }) : stopped;
  }
  const policyTimeout = signal?.aborted && classifyFailure(signal.reason, context.route.engine.statuses) === "timeout";
  if (attempt.timedOut || policyTimeout) {
    // The timer (ours or the policy's) ran late (a blocked event loop): the caller still gets the timeout, but
    // the instance is not blamed — on a loaded client every instance would otherwise be ejected (core's rule).
    const lateMs = attempt.timedOut !== undefined ? attempt.lateMs : timerLateMsOf(signal?.reason);
    const local = isLocalLag(lateMs, context.localLagThresholdMs);
    const thrown = attempt.timedOut ?? signal?.reason;
    pick.done(local ? { kind: "cancelled" } : timeoutOutcome(rttMs, retried(attempt, thrown, context)));
    return thrown;
  }
  if (signal?.aborted) {
    // A policy gave up on this attempt (a hedge that lost): not the instance's fault.
    pick.done({ kind: "cancelled" });
    return error;
  }
  // undici refused the request itself (an `Expect` header, a bad argument): the caller's fault, not the instance's.
  pick.done(isRequestFault(error) ? { kind: "cancelled" } : { kind: "failure", reason: failureReason(error), rttMs });
  return error;
}
