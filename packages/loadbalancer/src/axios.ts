import { globalAgent as httpAgent } from "node:http";
import { globalAgent as httpsAgent } from "node:https";
import {
  Attempt,
  type AttemptContext,
  type CallContext,
  type Clock,
  checkOptionalNumber,
  classifyFailure,
  type DeadlineQueue,
  describeCall,
  isLocalLag,
  LOCAL_LAG_THRESHOLD_MS,
  MAX_TIMER_DELAY_MS,
  markRequestSent,
  monotonicClock,
  neverAborted,
  type RetryEngine,
  signalOf,
  timerLateMsOf,
} from "@outrigger/core";
import type { Instancer } from "@outrigger/discovery";
import axios, {
  type AxiosAdapter,
  type AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
  type RawAxiosHeaders,
} from "axios";
import type { AttemptPolicy } from "./attempt-policy.js";
import { RequestSignal, timeoutQueue } from "./attempt-signal.js";
import {
  attemptSignalFor,
  canRetryOn,
  mayRetryTried,
  pickFor,
  pickNow,
  publishRetry,
  retriedAfter,
} from "./attempt-step.js";
import { notReplayable, RequestBody } from "./axios-body.js";
import { attemptConfig } from "./axios-config.js";
import { discardResponseBody } from "./axios-discard.js";
import { LbAxiosLifecycle } from "./axios-lifecycle.js";
import { type LbAxiosTransport, loadUndiciTransport, type UndiciTransport, undiciCanSend } from "./axios-transport.js";
import { Wire } from "./axios-wire.js";
import { endAttempt, endCall, traceAttempt, traceCall } from "./channels.js";
import { isLbError, LbError } from "./errors.js";
import { instanceUrl, isLbUrl, parseLbUrl } from "./lb-url.js";
import { failureReason, httpOutcome, timeoutOutcome } from "./outcome.js";
import type { Balancer } from "./pick.js";
import { invalidOption, type RetryOptions, retriesTriedInstances, retryEngines } from "./retry-decision.js";

/** Settings of a load-balanced axios instance. */
export interface LbAxiosOptions {
  /** The balancer for a service named in `lb://service/...`; undefined when the service is unknown. */
  readonly balancer: (service: string) => Balancer | undefined;
  /**
   * Wraps each request's attempts (retry with backoff, circuit breaker, …): one policy for every service, or a
   * function giving each service its own (undefined: none for that service), so one axios instance serves all.
   */
  readonly policy?: AttemptPolicy | ((service: string) => AttemptPolicy | undefined);
  /**
   * Built-in retries on untried instances, run by the same engine as `createRetryPolicy` (same options, same
   * rules); `false` for none; or a function giving each service its own (undefined: the default for it). Default:
   * 2 attempts in all, or 1 when a `policy` is set (its retry then decides). Build each service's options once:
   * a budget keeps state.
   */
  readonly retry?: RetryOptions | false | ((service: string) => RetryOptions | false | undefined);
  /**
   * Time one attempt may take before it is cancelled and counted against the instance (1 ms to 2^31−1 ms). On both
   * transports it acts after the I/O of the turn its timer runs in, as `deadlineMs` does: an answer that arrived
   * while this process's event loop was stalled is delivered, not timed out and retried.
   */
  readonly perTryTimeoutMs?: number;
  /**
   * A per-try timeout (this client's, or a resilience timeout policy's) whose timer ran more than this many ms
   * after it was due was caused by this process's event-loop lag, not by the instance: the caller still gets the
   * timeout, but the attempt is reported as `cancelled` (not counted by outlier detection or stats); core's
   * `isLocalLag`, on both transports. Default 100 (`LOCAL_LAG_THRESHOLD_MS`); 0 to 2^31−1.
   */
  readonly localLagThresholdMs?: number;
  /** Where per-try timers read the time, to tell how late they ran (default the monotonic clock; tests inject one). */
  readonly clock?: Clock;
  /** Time the whole request, retries included, may take before LB_DEADLINE_EXCEEDED (1 ms to 2^31−1 ms). */
  readonly deadlineMs?: number;
  /** The request's key for consistent hashing (e.g. a user id header). */
  readonly key?: (config: InternalAxiosRequestConfig) => string | undefined;
  /** Defaults for the axios instance (headers, timeout, …). */
  readonly defaults?: CreateAxiosDefaults;
  /**
   * The instancer of a service, for the undici transport: an instance's pool is closed as soon as it leaves the
   * set (as `createLbDispatcher`'s `instancer`). Without it, the pool of an instance that left stays in the
   * transport until the process ends (its sockets close when idle, the pool object does not go).
   */
  readonly instancer?: (service: string) => Instancer | undefined;
  /**
   * What sends `lb://` requests: `undici` (default when the optional `undici` peer is installed) or `http` (axios'
   * node:http adapter). The undici transport costs about half the CPU per request (see the README's transport
   * benchmark), follows redirects hop by hop through the balancer (Authorization, Cookie and Proxy-Authorization
   * are dropped when the origin changes; the instance that redirected is not blamed for the target's failure) and
   * keeps one pool per instance. A request it cannot send as the http adapter would (an agent, proxy or socket
   * path of the caller's, progress callbacks, `beforeRedirect`, a stream, form data or an `lb.body` factory) goes
   * to the http adapter. It sends no `Accept-Encoding`, so answers come uncompressed. Set `http` to keep every
   * request on node:http. Asking for `undici` without the package: LB_TRANSPORT_UNAVAILABLE on the first request.
   */
  readonly transport?: LbAxiosTransport;
}

/**
 * A load-balanced axios instance, with `close()`: it refuses new requests (LB_CLOSED, whatever the URL), resolves
 * once every request already started has been answered or has failed — undici's `Agent.close()` rule
 * (nodejs/undici lib/dispatcher/dispatcher-base.js: `close()` waits for the requests in flight and queued, while
 * `destroy()` aborts them; to abort, pass each request a `signal`) — and then closes what the client made: the lb
 * undici dispatcher of its undici transport (every instance's pool, its instancer subscriptions) and its per-try
 * and deadline timers. Not what it was given: the balancers, instancers, policies and any agent of the caller's
 * stay open. Idempotent: every call returns the same promise.
 */
export interface LbAxiosInstance extends AxiosInstance {
  close(): Promise<void>;
}

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
interface ClientTimers {
  readonly perTry: DeadlineQueue | undefined;
  readonly deadlines: DeadlineQueue | undefined;
}

/** One request through the balancer: its call context, its attempts and the engine deciding on retries. */
function sendBalanced(
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
  // One logical call across a retry policy around the client (`lb.call`) carries the instances it tried.
  const tried = config.lb?.call?.tried ?? new Set<string>();
  const reuseTried = retriesTriedInstances(engine);
  // One fixed-shape object (an absent field is undefined): conditional spreads made a temporary object each.
  const call = describeCall({
    method: config.method,
    idempotent: config.lb?.idempotent,
    replayable: body.replayable,
    deadline: deadlineMs !== undefined ? monotonicClock.now() + deadlineMs : undefined,
    tried,
    refuseReplay: notReplayable,
    service,
    // With every instance tried, this client's engine gives up at once: no retry announced, waited for or paid for.
    // A retry policy around the client re-picks among tried instances then (its attempt is the engine's first).
    canResend: (error, by) => by !== engine || canRetryOn(balancer, tried, reuseTried, error),
  });
  const request = new RequestSignal(
    config.signal as AbortSignal | undefined,
    timers.deadlines,
    () =>
      new LbError(
        "LB_DEADLINE_EXCEEDED",
        `No answer from ${service} within ${deadlineMs} ms: raise deadlineMs or check it`,
      ),
  );
  const key = options.key?.(config);
  const trace = traceCall(service, config.method, path, call, balancer);
  let last: unknown;

  /** One attempt on an instance not yet tried, under `signal` (the policy's or the request's); reports to the pick. */
  const attemptUnder =
    (signal: AbortSignal | undefined) =>
    async (context: AttemptContext): Promise<AxiosResponse> => {
      // Before the pick: a stream body that cannot go again must not take an instance's slot.
      const data = body.next(last);
      // Every send after the first is a retry for the balancer, whichever layer retries (round robin stays put).
      const pickOptions = {
        avoid: tried,
        attempt: tried.size + 1,
        // With none left untried, a retry may take a tried instance only as `mayRetryTried` says.
        untriedOnly: context.attempt > 0 && !mayRetryTried(reuseTried, last),
        ...(key !== undefined ? { key } : {}),
      };
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
      const traced = traceAttempt(trace, instance, path);
      const agentKey = instance.secure ? "httpsAgent" : "httpAgent";
      try {
        const response = await send(
          attemptConfig(config, {
            url: instanceUrl(instance, path),
            data,
            agentKey,
            agent: wire.agent(config[agentKey] ?? (instance.secure ? httpsAgent : httpAgent)),
            signal: attemptSignal,
            // AxiosHeaders matches names in any case; a name set to undefined is left out of the request.
            headers: traced && AxiosHeaders.concat(config.headers, traced.headers as RawAxiosHeaders),
          }),
        );
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
      endCall(trace, undefined, response.status);
      return response;
    },
    (error: unknown) => {
      request.dispose();
      endCall(trace, error);
      return settle(error);
    },
  );
}

/** The adapter of one lb axios client, and its `close()` (see `LbAxiosInstance`). */
function lbAdapter(options: LbAxiosOptions, send: AxiosAdapter): { adapter: AxiosAdapter; close(): Promise<void> } {
  const engineFor = retryEngines(options.retry);
  const { transport } = options;
  // Made on the first request the http adapter sends: a client that only uses the undici transport needs neither.
  let timers: ClientTimers | undefined;
  /** The undici transport's adapter once loaded; null when undici is not installed. */
  let undici: AxiosAdapter | null | undefined = transport === "http" ? null : undefined;
  let loading: Promise<UndiciTransport | undefined> | undefined;
  const life = new LbAxiosLifecycle(async () => {
    // A transport still loading is awaited: the dispatcher it makes is this client's too.
    const loaded = await loading?.catch(() => undefined);
    await loaded?.dispatcher.close();
    timers?.perTry?.close();
    timers?.deadlines?.close();
  });
  /** An `lb://` request through the balancer on the http adapter. */
  const balanced = (config: InternalAxiosRequestConfig & { url: string }): Promise<AxiosResponse> => {
    const { service } = parseLbUrl(config.url);
    const policy = typeof options.policy === "function" ? options.policy(service) : options.policy;
    timers ??= {
      perTry: timeoutQueue(options.perTryTimeoutMs, options.clock),
      deadlines: timeoutQueue(options.deadlineMs),
    };
    return sendBalanced(options, send, config, engineFor(service, policy !== undefined), policy, timers);
  };
  /** The first request the undici transport may send: loads it (once), then sends there or on the http adapter. */
  const loadThenSend = async (config: InternalAxiosRequestConfig & { url: string }): Promise<AxiosResponse> => {
    loading ??= loadUndiciTransport(options, transport === "undici");
    undici = (await loading)?.adapter ?? null;
    return undici ? undici(config) : balanced(config);
  };
  // Not an async function: one wrapping the promise it returns made two more promises per request (its own, and
  // the job that adopts the inner one). A synchronous throw (an unknown service, a bad URL) is still a rejection.
  const adapter = (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    if (life.closed) return life.refusal();
    try {
      if (!isLbUrl(config.url)) return send(config);
      const lb = config as InternalAxiosRequestConfig & { url: string };
      // Counted open until it settles: close() waits for it.
      if (undici !== null && undiciCanSend(config)) return life.track(undici ? undici(lb) : loadThenSend(lb));
      return life.track(balanced(lb));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return { adapter, close: () => life.close() };
}

/**
 * An axios instance that sends `lb://service/path` requests to an instance picked by the service's balancer,
 * reporting each attempt's status and round-trip time back to it. Failed attempts are retried on instances not
 * yet tried by the retry engine `createRetryPolicy` also runs: a request that never reached a server for any
 * method, other failures only for idempotent requests, and never a stream body that was already read. Other URLs
 * pass through untouched. Throws LB_INVALID_OPTION for a negative, non-finite or too long duration. Call
 * `close()` when done with it (see `LbAxiosInstance`).
 */
export function createLbAxios(options: LbAxiosOptions): LbAxiosInstance {
  const timer = { min: 1, max: MAX_TIMER_DELAY_MS };
  checkOptionalNumber("perTryTimeoutMs", options.perTryTimeoutMs, timer, invalidOption);
  checkOptionalNumber("deadlineMs", options.deadlineMs, timer, invalidOption);
  const lag = { min: 0, max: MAX_TIMER_DELAY_MS };
  checkOptionalNumber("localLagThresholdMs", options.localLagThresholdMs, lag, invalidOption);
  const { adapter, close } = lbAdapter(options, axios.getAdapter("http"));
  return Object.assign(axios.create({ ...options.defaults, adapter }), { close });
}

export type { AttemptPolicy } from "./attempt-policy.js";
export type { LbRequestOptions } from "./axios-body.js";
export type { LbAxiosTransport } from "./axios-transport.js";
export { createLbCall, type LbCall } from "./lb-call.js";
export type { RetryBudgetLike, RetryOptions } from "./retry-decision.js";
