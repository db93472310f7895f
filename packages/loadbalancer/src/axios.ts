import { type Clock, checkOptionalNumber, MAX_TIMER_DELAY_MS } from "@outrigger/core";
import type { Instancer } from "@outrigger/discovery";
import axios, {
  type AxiosAdapter,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from "axios";
import type { AttemptPolicy } from "./attempt-policy.js";
import { timeoutQueue } from "./attempt-signal.js";
import { lbRequestConfig } from "./axios-config.js";
import { LbAxiosLifecycle } from "./axios-lifecycle.js";
import { type ClientTimers, sendBalanced } from "./axios-send.js";
import { type LbAxiosTransport, loadUndiciTransport, type UndiciTransport, undiciCanSend } from "./axios-transport.js";
import { lbUrlOf } from "./axios-url.js";
import { parseLbUrl } from "./lb-url.js";
import type { Balancer } from "./pick.js";
import { invalidOption, type RetryOptions, retryEngines } from "./retry-decision.js";

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
      // The URL with `baseURL` applied (axios' rule, `allowAbsoluteUrls` included) decides: `lb://orders/api` as
      // `baseURL` balances a relative `url`, and an absolute one cannot leave it when `allowAbsoluteUrls` is false.
      const url = lbUrlOf(config);
      if (url === undefined) return send(config);
      const lb = lbRequestConfig(config, url);
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
