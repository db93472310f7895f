import { type AttemptContext, classifyFailure, type DeadlineQueue } from "@outrigger/core";
import { AttemptSignal } from "./attempt-signal.js";
import { type CallMessage, lbChannels } from "./channels.js";
import { isLbError, LbError } from "./errors.js";
import { failureReason } from "./outcome.js";
import type { Balancer, Pick, PickOptions } from "./pick.js";
import type { RetryReason } from "./retry-decision.js";

/**
 * The steps every transport (the axios client, the undici dispatcher) takes around one attempt, kept in one place
 * so both behave alike.
 */

/**
 * Picks for one attempt: waits (bounded) for an instance below its in-flight cap when the balancer can; when no
 * untried instance is left after a failure, LB_ALL_INSTANCES_TRIED carries that failure (`last`) as its cause.
 */
export async function pickFor(
  balancer: Balancer,
  options: PickOptions,
  signal: AbortSignal | undefined,
  last: unknown,
): Promise<Pick> {
  try {
    // The per-try timeout starts once the attempt is sent, as HAProxy's `timeout server` starts after `timeout queue`.
    return balancer.acquire ? await balancer.acquire(options, signal) : balancer.pick(options);
  } catch (error) {
    throw withLastFailure(error, last);
  }
}

/** LB_ALL_INSTANCES_TRIED after a failed attempt carries that failure (`last`) as its cause; others unchanged. */
function withLastFailure(error: unknown, last: unknown): unknown {
  if (!isLbError(error) || error.code !== "LB_ALL_INSTANCES_TRIED" || last === undefined) return error;
  return new LbError("LB_ALL_INSTANCES_TRIED", error.message, { cause: last });
}

/**
 * The pick for one attempt when one is free now; undefined when every instance is at its in-flight cap and the
 * balancer can wait (then `pickFor`). Saves the promise and closure of `acquire` on the common path: `acquire`'s
 * contract is `pick`, waiting only when `pick` would throw LB_INSTANCES_BUSY.
 */
export function pickNow(balancer: Balancer, options: PickOptions, last: unknown): Pick | undefined {
  try {
    return balancer.pick(options);
  } catch (error) {
    // The synchronous pick is only a shortcut: when the balancer can wait (`acquire`), its answer is the one that
    // counts — a balancer may wait there for more than a free slot (e.g. @outrigger/node's first discovery answer).
    if (isLbError(error) && balancer.acquire) return undefined;
    throw withLastFailure(error, last);
  }
}

/**
 * The signal of one attempt on `instanceId`: its entry in the client's per-try queue (`timeoutQueue`) and
 * `signal`; undefined when neither is set.
 */
export function attemptSignalFor(
  instanceId: string,
  perTry: DeadlineQueue | undefined,
  signal: AbortSignal | undefined,
): AttemptSignal | undefined {
  if (perTry === undefined && signal === undefined) return undefined;
  return new AttemptSignal(
    perTry,
    () => new LbError("LB_ATTEMPT_TIMEOUT", `${instanceId} did not answer within ${perTry?.ms} ms`),
    signal,
  );
}

/**
 * Publishes the send after a failed one (`last`; undefined: the first send, nothing published) on
 * `outrigger:lb:retry` as attempt `attempt`. Called once the send has an instance (metrics count it), not when the
 * pick found none to go to; the message is built only when someone listens.
 */
export function publishRetry(
  service: string,
  attempt: number,
  last: unknown,
  statuses: ReadonlySet<number>,
  call: CallMessage | undefined,
): void {
  if (last === undefined || !lbChannels.retry.hasSubscribers) return;
  lbChannels.retry.publish({ service, attempt, reason: retryReason(last, statuses), ...(call && { call }) });
}

/** Why a retry happens, as published on `outrigger:lb:retry`. */
export function retryReason(error: unknown, statuses: ReadonlySet<number>): RetryReason {
  const kind = classifyFailure(error, statuses);
  return kind === "not-sent" ? "connect" : kind === "status" || kind === "timeout" ? kind : "error";
}

/**
 * Whether a retry after `last` may go to an instance already tried when none is left untried: always with
 * `retryTriedInstances` (`reuseTried`), and after a reset connection (ECONNRESET, EPIPE, UND_ERR_SOCKET: the
 * instance's pool opens a fresh one). A reset on a reused keep-alive socket is the connection's fault, not the
 * instance's, and an idempotent request goes again: Go's net/http Transport (`persistConn.shouldRetryRequest`)
 * and Chromium (`HttpNetworkTransaction::ShouldResendRequest`) resend it; the engine has already refused a request
 * that is not idempotent.
 */
export function mayRetryTried(reuseTried: boolean, last: unknown): boolean {
  return reuseTried || failureReason(last) === "reset";
}

/**
 * The pick options of attempt `context` of a request that has tried `tried` (the previous failure `last`): every
 * send after the first is a retry for the balancer, whichever layer retries (round robin stays put), and with none
 * left untried a retry may take a tried instance only as `mayRetryTried` says. One literal of a fixed shape (a
 * conditional spread of `key` made an extra object and a slow clone per pick).
 */
export function attemptPickOptions(
  tried: ReadonlySet<string>,
  context: AttemptContext,
  reuseTried: boolean,
  last: unknown,
  key: string | undefined,
): PickOptions {
  return {
    avoid: tried,
    attempt: tried.size + 1,
    untriedOnly: context.attempt > 0 && !mayRetryTried(reuseTried, last),
    key,
  };
}

/**
 * Whether a retry after `last` has an instance to go to: one not yet tried, or a tried one as `mayRetryTried` allows;
 * true when the balancer cannot tell (no `hasUntried`: its pick decides). Both transports give it to their own
 * retry engine as the call's `canResend`, so the engine announces (`onRetry`), waits for and pays for only retries
 * that are sent: with every instance tried, the last failure is the answer at once. (A retry policy around the
 * client is not asked: its attempt is the client engine's first, whose pick falls back to tried instances.)
 */
export function canRetryOn(
  balancer: Balancer,
  tried: ReadonlySet<string>,
  reuseTried: boolean,
  last: unknown,
): boolean {
  return balancer.hasUntried?.(tried) !== false || mayRetryTried(reuseTried, last);
}

/**
 * Whether the call goes on after this attempt failed with `error` (the very error the attempt throws): the retry
 * engine running the attempt, or a retry policy around the client, will retry (`context.willRetry`, the verdict the
 * engine then reuses) and the balancer has an untried instance left (`hasUntried`), or a tried one may take the
 * retry (`mayRetryTried`). Reported as the outcome's `retried`, so outlier detection can judge only the answer the call
 * keeps (`countRetriedAttempts: false`). False when the balancer cannot tell: then the failure counts.
 */
export function retriedAfter(
  error: unknown,
  context: AttemptContext,
  balancer: Balancer,
  tried: ReadonlySet<string>,
  reuseTried = false,
): boolean {
  if (balancer.hasUntried === undefined || context.willRetry === undefined) return false;
  return context.willRetry(error) && (balancer.hasUntried(tried) || mayRetryTried(reuseTried, error));
}
