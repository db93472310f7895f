import { classifyFailure, isLocalLag, timerLateMsOf } from "@outrigger/core";
import { isLbError, LbError } from "./errors.js";
import { failureReason, httpOutcome, isRequestFault, timeoutOutcome } from "./outcome.js";
import { type AttemptHandler, HeldResponse } from "./undici-attempt.js";

/** What judging a failed attempt needs to know of its request. */
export interface JudgeContext {
  /** Why the caller or the deadline ended the request; undefined while it runs. */
  readonly stopped: Error | undefined;
  /** Statuses the retry engine retries (a policy timeout is told from other aborts by its kind). */
  readonly statuses: ReadonlySet<number>;
  /** A timer that ran more than this late (ms) is the client's lag (core's `isLocalLag`). */
  readonly localLagThresholdMs: number;
  /** Whether the call goes on to an untried instance after the attempt throws `error` (attempt-step's `retriedAfter`). */
  retried(error: unknown): boolean;
}

/**
 * Reports a failed attempt to its pick — whose fault it was: the instance's (a failure with its reason and
 * round-trip time), nobody's (`cancelled`: the caller, the deadline or a policy gave up, or the timer ran late on
 * a blocked event loop) — and returns the error the retry engine should see.
 */
export function judgeAttempt(attempt: AttemptHandler, error: unknown, rttMs: number, context: JudgeContext): unknown {
  const { pick, signal } = attempt;
  if (error instanceof HeldResponse) {
    pick.done(httpOutcome(error.status, rttMs, error.status >= 500 && context.retried(error)));
    return error;
  }
  const { stopped } = context;
  if (stopped) {
    // The caller or the deadline gave up: not the instance's fault.
    pick.done({ kind: "cancelled" });
    return isLbError(stopped) ? new LbError(stopped.code, stopped.message, { cause: error }) : stopped;
  }
  const policyTimeout = signal?.aborted && classifyFailure(signal.reason, context.statuses) === "timeout";
  if (attempt.timedOut || policyTimeout) {
    // The timer (ours or the policy's) ran late (a blocked event loop): the caller still gets the timeout, but
    // the instance is not blamed — on a loaded client every instance would otherwise be ejected (core's rule).
    const lateMs = attempt.timedOut !== undefined ? attempt.lateMs : timerLateMsOf(signal?.reason);
    const local = isLocalLag(lateMs, context.localLagThresholdMs);
    const thrown = attempt.timedOut ?? signal?.reason;
    pick.done(local ? { kind: "cancelled" } : timeoutOutcome(rttMs, context.retried(thrown)));
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
