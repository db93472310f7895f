// One `lb://` request of `createLbAxios` on axios' http adapter: its attempts, retries, per-try timeout and deadline
// (the undici transport sends through the dispatcher instead: axios-undici.ts).
import { globalAgent as httpAgent } from "node:http";
import { globalAgent as httpsAgent } from "node:https";
import {
  Attempt,
  type AttemptContext,
  type CallContext,
  classifyFailure,
  type DeadlineQueue,
  describeCall,
  isIdempotentMethod,
  isLocalLag,
  LOCAL_LAG_THRESHOLD_MS,
  markRequestSent,
  monotonicClock,
  neverAborted,
  type RetryEngine,
  signalOf,
  timerLateMsOf,
} from "@outrigger/core";
import {
  type AxiosAdapter,
  AxiosError,
  AxiosHeaders,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
  type RawAxiosHeaders,
} from "axios";
import type { AttemptPolicy } from "./attempt-policy.js";
import { RequestSignal } from "./attempt-signal.js";
import {
  attemptPickOptions,
  attemptSignalFor,
  canRetryOn,
  pickFor,
  pickNow,
  publishRetry,
  retriedAfter,
} from "./attempt-step.js";
import type { LbAxiosOptions } from "./axios.js";
import { notReplayable, RequestBody } from "./axios-body.js";
import { attemptConfig } from "./axios-config.js";
import { discardResponseBody } from "./axios-discard.js";
import { requestSignal } from "./axios-timeout.js";
import { Wire } from "./axios-wire.js";
import { endAttempt, endCall, traceAttempt, traceCall } from "./channels.js";
import { isLbError, LbError } from "./errors.js";
import { instanceUrl, parseLbUrl } from "./lb-url.js";
import { failureReason, httpOutcome, timeoutOutcome } from "./outcome.js";
import { IDEMPOTENCY_KEY_HEADERS } from "./request-headers.js";
import { retriesTriedInstances } from "./retry-decision.js";

/** A response with a retryable status that the caller's `validateStatus` accepted. */
class RetryableResponse extends Error {
  constructor(readonly response: AxiosResponse) {
    super(`HTTP ${response.status}`);
  }
}

/** The request's final result after its last failed attempt: the response if axios accepts it, else the error. */
function settle(error: unknown): AxiosResponse {
  // No untried instance was left: the previous attempt's failure is the answer.
  if (isLbError(error) && error.code === "LB_ALL_INSTANCES_TRIED" && error.cause !== undefined) error = error.cause;
  if (error instanceof RetryableResponse) return error.response;
  throw error;
}

/** A client's per-try timeouts and request deadlines: one queue (one timer) each, expiring after the turn's I/O. */
export interface ClientTimers {
  readonly perTry: DeadlineQueue | undefined;
  readonly deadlines: DeadlineQueue | undefined;
}

/** One request through the balancer: its call context, its attempts and the engine deciding on retries. */
export function sendBalanced(
  options: LbAxiosOptions,
  send: AxiosAdapter,
  config: InternalAxiosRequestConfig & { url: string },
  engine: RetryEngine,
  policy: AttemptPolicy | undefined,
  timers: ClientTimers,
): Promise<AxiosResponse> {
  const { service, path } = parseLbUrl(config.url);
  const balancer = options.balancer(service);
  if (!balancer) throw new LbError("LB_UNKNOWN_SERVICE", `No balancer for service "${service}": register one for it`);
  const { deadlineMs } = options;
  const body = new RequestBody(config);
  // The caller's key function runs before any timer is set: if it throws, nothing is left running.
  const key = options.key?.(config);
  // axios' own `timeout` is the whole call's, as on the undici transport (axios-timeout.ts): one timer, not a fresh
  // one per attempt, so a call with retries still ends at `timeout`. Made only when a timeout is set.
  const timeout = (config.timeout ?? 0) > 0 ? requestSignal(config) : undefined;
  const caller = timeout?.signal ?? (config.signal as AbortSignal | undefined);
  // One logical call across a retry policy around the client (`lb.call`) carries the instances it tried.
  const tried = config.lb?.call?.tried ?? new Set<string>();
  const reuseTried = retriesTriedInstances(engine);
  // One fixed-shape object (an absent field is undefined): conditional spreads made a temporary object each.
  const call = describeCall({
    method: config.method,
    // A POST or PATCH with an idempotency key may go again, as Go's Transport resends it (`isReplayable`).
    // Headers are read only for a method that is not idempotent already: nothing added to a GET's path.
    idempotent:
      config.lb?.idempotent ??
      (isIdempotentMethod(config.method) || IDEMPOTENCY_KEY_HEADERS.some((name) => config.headers.has(name))),
    replayable: body.replayable,
    deadline: deadlineMs !== undefined ? monotonicClock.now() + deadlineMs : undefined,
    tried,
    refuseReplay: notReplayable,
    service,
    // With every instance tried, this client's engine gives up at once: no retry announced, waited for or paid for.
    // A retry policy around the client re-picks among tried instances then (its attempt is the engine's first).
    canResend: (error, by) => by !== engine || canRetryOn(balancer, tried, reuseTried, error),
    // The caller's own signal (not the deadline's): once it aborted, a breaker in the policy counts nothing.
    cancelled: caller ? () => caller.aborted : undefined,
  });
  const request = new RequestSignal(
    caller,
    timers.deadlines,
    () =>
      new LbError(
        "LB_DEADLINE_EXCEEDED",
        `No answer from ${service} within ${deadlineMs} ms: raise deadlineMs or check it`,
      ),
  );
  const trace = traceCall(service, config.method, path, call, balancer);
  let last: unknown;

  /** One attempt on an instance not yet tried, under `signal` (the policy's or the request's); reports to the pick. */
  const attemptUnder =
    (signal: AbortSignal | undefined) =>
    async (context: AttemptContext): Promise<AxiosResponse> => {
      // Before the pick: a stream body that cannot go again must not take an instance's slot.
      const data = body.next(last);
      const pickOptions = attemptPickOptions(tried, context, reuseTried, last, key);
      // A free instance is picked synchronously; only when every one is at its cap does the attempt wait (acquire).
      const pick = pickNow(balancer, pickOptions, last) ?? (await pickFor(balancer, pickOptions, signal, last));
      // An instance to go to: the previous attempt's answer can no longer be the caller's (it would be, had the pick
      // failed: LB_ALL_INSTANCES_TRIED hands it back), so its unread stream body frees its connection now.
      discardResponseBody(last);
      publishRetry(service, tried.size + 1, last, engine.statuses, trace);
      const { instance } = pick;
      tried.add(instance.id);
      const started = performance.now();
      const attemptSignal = attemptSignalFor(instance.id, timers.perTry, signal);
      const wire = new Wire();
      let sentConfig: InternalAxiosRequestConfig | undefined;
      const traced = traceAttempt(trace, instance, path);
      const agentKey = instance.secure ? "httpsAgent" : "httpAgent";
      try {
        sentConfig = attemptConfig(config, {
          url: instanceUrl(instance, path),
          data,
          agentKey,
          agent: wire.agent(config[agentKey] ?? (instance.secure ? httpsAgent : httpAgent)),
          signal: attemptSignal,
          // AxiosHeaders matches names in any case; a name set to undefined is left out of the request.
          headers: traced && AxiosHeaders.concat(config.headers, traced.headers as RawAxiosHeaders),
        });
        const response = await send(sentConfig);
        const rttMs = performance.now() - started;
        const { status } = response;
        endAttempt(traced, undefined, status);
        if (engine.statuses.has(status)) {
          // A retryable status the caller's validateStatus accepts still means the instance failed: try another.
          const retryable = new RetryableResponse(response);
          pick.done(httpOutcome(status, rttMs, retriedAfter(retryable, context, balancer, tried, reuseTried)));
          throw retryable;
        }
        pick.done(httpOutcome(status, rttMs));
        return response;
      } catch (error) {
        last = error;
        if (error instanceof RetryableResponse) throw error;
        endAttempt(traced, error);
        const rttMs = performance.now() - started;
        if (request.signal?.aborted) {
          // The caller or the deadline gave up: not the instance's fault.
          pick.done({ kind: "cancelled" });
          const reason = request.signal.reason;
          // axios' timeout: the caller gets axios' own error (ECONNABORTED, "timeout of N ms exceeded").
          if (reason instanceof AxiosError) throw reason;
          if (isLbError(reason)) throw new LbError(reason.code, reason.message, { cause: error });
          throw error;
        }
        // A per-try timeout, the client's or a resilience policy's, counts against the instance alike — unless its
        // timer ran late (a blocked event loop): then the caller still gets it, but the instance is not blamed.
        if (
          attemptSignal?.timedOut ||
          (signal?.aborted && classifyFailure(signal.reason, engine.statuses) === "timeout")
        ) {
          const lateMs = attemptSignal?.timedOut ? attemptSignal.lateMs : timerLateMsOf(signal?.reason);
          const local = isLocalLag(lateMs, options.localLagThresholdMs ?? LOCAL_LAG_THRESHOLD_MS);
          const thrown = attemptSignal?.timedOut
            ? new LbError("LB_ATTEMPT_TIMEOUT", (attemptSignal.reason as Error).message, { cause: error })
            : signal?.reason;
          pick.done(
            local
              ? { kind: "cancelled" }
              : timeoutOutcome(rttMs, retriedAfter(thrown, context, balancer, tried, reuseTried)),
          );
          throw thrown;
        }
        if (signal?.aborted) {
          // A policy gave up on this attempt (a hedge that lost, an outer cancel): not the instance's fault.
          pick.done({ kind: "cancelled" });
          throw error;
        }
        const status = (error as AxiosError).response?.status;
        if (status !== undefined) {
          pick.done(
            httpOutcome(status, rttMs, status >= 500 && retriedAfter(error, context, balancer, tried, reuseTried)),
          );
          throw error;
        }
        if (wire.redirectedAway) {
          // The instance answered with a redirect (it had the request); the other host failed, not it.
          markRequestSent(error, true);
          pick.done({ kind: "success", rttMs });
          throw error;
        }
        const sent = wire.sent;
        markRequestSent(error, sent);
        // Read from the socket: "connect" when not a byte left, whatever the code says.
        pick.done({ kind: "failure", reason: sent ? failureReason(error) : "connect", rttMs });
        throw error;
      } finally {
        attemptSignal?.dispose();
        // The adapter is done with it: the config the response or error carries shows the caller's `timeout`.
        if (sentConfig) sentConfig.timeout = config.timeout;
      }
    };

  engine.budget?.deposit();
  // Under a policy its attempt is the engine's call, so an attempt's `willRetry` also asks the policy's retry.
  const built = (signal: AbortSignal | undefined, outer: CallContext = call) =>
    engine.run(attemptUnder(signal), outer, signal ?? neverAborted, true);
  const attempts = policy
    ? policy.execute(
        (context) => built(signalOf(context), context instanceof Attempt ? context : call),
        request.signal,
        call,
      )
    : built(request.signal);
  return attempts.then(
    (response) => {
      request.dispose();
      timeout?.dispose();
      endCall(trace, undefined, response.status);
      return response;
    },
    (error: unknown) => {
      request.dispose();
      timeout?.dispose();
      endCall(trace, error);
      return settle(error);
    },
  );
}
