import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from "axios";
import { AttemptSignal } from "./attempt-signal.js";
import { lbChannels, publish } from "./channels.js";
import { isLbError, LbError } from "./errors.js";
import { isLbUrl, parseLbUrl } from "./lb-url.js";
import { failureReason, httpOutcome } from "./outcome.js";
import type { Balancer } from "./pick.js";
import { RetryDecision, type RetryOptions } from "./retry-decision.js";

/**
 * What wraps the attempts of one request: `@outrigger/resilience` policies and cockatiel's have this shape.
 * Each call of `fn` runs the client's own attempts; the balancer picks again inside, so a retry can reach
 * another instance.
 */
export interface AttemptPolicy {
  execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T>;
}

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
   * Retries on untried instances (optionally within a `budget`); `false` for none; or a function giving each
   * service its own (undefined: the default for it). Default: 2 attempts in all, or 1 when a `policy` is set.
   * Build each service's options once: a budget keeps state.
   */
  readonly retry?: RetryOptions | false | ((service: string) => RetryOptions | false | undefined);
  /** Time one attempt may take before it is cancelled (and retried, for idempotent methods). */
  readonly perTryTimeoutMs?: number;
  /** Time the whole request, retries included, may take before it is cancelled with LB_DEADLINE_EXCEEDED. */
  readonly deadlineMs?: number;
  /** The request's key for consistent hashing (e.g. a user id header). */
  readonly key?: (config: InternalAxiosRequestConfig) => string | undefined;
  /** Defaults for the axios instance (headers, timeout, …). */
  readonly defaults?: CreateAxiosDefaults;
}

/** An abort controller that fires with `reason` after `ms`; `clear()` stops its timer. */
function timeout(ms: number | undefined, reason: () => Error): { signal?: AbortSignal; clear(): void } {
  if (ms === undefined) return { clear() {} };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(reason()), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function any(...signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length <= 1 ? present[0] : AbortSignal.any(present);
}

/** A response with a retryable status that the caller's `validateStatus` accepted. */
class RetryableResponse extends Error {
  constructor(readonly response: AxiosResponse) {
    super(`HTTP ${response.status}`);
  }
}

/** The request's final result after its last failed attempt: the response if axios accepts it, else the error. */
function settle(error: unknown): AxiosResponse {
  if (error instanceof RetryableResponse) return error.response;
  throw error;
}

/** Waiting for a free slot timed out or the queue was full: the service is saturated, a retry would add to it. */
const isQueueError = (error: unknown): boolean =>
  isLbError(error) && (error.code === "LB_QUEUE_TIMEOUT" || error.code === "LB_QUEUE_FULL");

/** Each service's retry decision, built once per options object (a per-service function may return the same). */
function retryDecisions(options: LbAxiosOptions): (service: string, hasPolicy: boolean) => RetryDecision {
  const built = new WeakMap<RetryOptions, RetryDecision>();
  const none = new RetryDecision({ maxAttempts: 1 }, 1);
  const defaults = [new RetryDecision({}, 2), new RetryDecision({}, 1)] as const;
  return (service, hasPolicy) => {
    const retry = typeof options.retry === "function" ? options.retry(service) : options.retry;
    if (retry === false) return none;
    if (retry === undefined) return defaults[hasPolicy ? 1 : 0];
    const known = built.get(retry);
    if (known) return known;
    const decision = new RetryDecision(retry, hasPolicy ? 1 : 2);
    built.set(retry, decision);
    return decision;
  };
}

function lbAdapter(options: LbAxiosOptions, send: AxiosAdapter): AxiosAdapter {
  const decisionFor = retryDecisions(options);
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    if (!isLbUrl(config.url)) return send(config);
    const { service, path } = parseLbUrl(config.url);
    const balancer = options.balancer(service);
    if (!balancer) throw new LbError("LB_UNKNOWN_SERVICE", `No balancer for service "${service}": register one for it`);
    const policy = typeof options.policy === "function" ? options.policy(service) : options.policy;
    const decision = decisionFor(service, policy !== undefined);
    decision.budget?.deposit();
    const key = options.key?.(config);
    const tried = new Set<string>();
    const deadline = timeout(
      options.deadlineMs,
      () =>
        new LbError(
          "LB_DEADLINE_EXCEEDED",
          `No answer from ${service} within ${options.deadlineMs} ms: raise deadlineMs or check the service`,
        ),
    );
    const outer = any(config.signal as AbortSignal | undefined, deadline.signal);

    /** One attempt on an instance not yet tried; reports how it went to the balancer. */
    const attempt = async (signal: AbortSignal | undefined, untriedOnly: boolean): Promise<AxiosResponse> => {
      const pickOptions = { avoid: tried, untriedOnly, ...(key !== undefined ? { key } : {}) };
      // Waits (bounded) for an instance below its in-flight cap when the balancer has one; the per-try timeout
      // starts once the attempt is sent, as HAProxy's `timeout server` starts after `timeout queue`.
      const pick = balancer.acquire ? await balancer.acquire(pickOptions, signal) : balancer.pick(pickOptions);
      const { instance } = pick;
      tried.add(instance.id);
      const started = performance.now();
      const url = `${instance.secure ? "https" : "http"}://${instance.host}:${instance.port}${path}`;
      const perTryMs = options.perTryTimeoutMs;
      const attemptSignal =
        perTryMs === undefined && signal === undefined
          ? undefined
          : new AttemptSignal(
              perTryMs,
              () => new LbError("LB_ATTEMPT_TIMEOUT", `${instance.id} did not answer within ${perTryMs} ms`),
              signal,
            );
      try {
        const response = await send({
          ...config,
          baseURL: undefined,
          url,
          ...(attemptSignal ? { signal: attemptSignal } : {}),
        });
        pick.done(httpOutcome(response.status, performance.now() - started));
        // A retryable status the caller's validateStatus accepts still means the instance failed: try another.
        if (decision.isRetryStatus(response.status)) throw new RetryableResponse(response);
        return response;
      } catch (error) {
        const rttMs = performance.now() - started;
        if (outer?.aborted || signal?.aborted) {
          // The caller or the deadline gave up: not the instance's fault.
          pick.done({ kind: "cancelled" });
          if (isLbError(outer?.reason)) throw new LbError(outer.reason.code, outer.reason.message, { cause: error });
          throw error;
        }
        if (attemptSignal?.timedOut) {
          pick.done({ kind: "failure", reason: "timeout", rttMs });
          throw new LbError("LB_ATTEMPT_TIMEOUT", (attemptSignal.reason as Error).message, { cause: error });
        }
        const status = (error as AxiosError).response?.status;
        pick.done(
          status !== undefined ? httpOutcome(status, rttMs) : { kind: "failure", reason: failureReason(error), rttMs },
        );
        throw error;
      } finally {
        attemptSignal?.dispose();
      }
    };

    /** The client's own retries: each attempt on a new instance, while the method and the failure allow. */
    const attempts = async (signal: AbortSignal | undefined): Promise<AxiosResponse> => {
      let last: unknown;
      for (let n = 1; ; n++) {
        try {
          return await attempt(signal, n > 1);
        } catch (error) {
          if (isLbError(error) && error.code === "LB_ALL_INSTANCES_TRIED" && n > 1) return settle(last);
          if (isQueueError(error)) throw error;
          last = error;
          const status = (error as AxiosError).response?.status ?? (error as RetryableResponse).response?.status;
          const reason = n < decision.maxAttempts ? decision.reason(config.method, error, status) : undefined;
          if (!reason || outer?.aborted || signal?.aborted) return settle(error);
          // The budget is asked last, so a retry that would not happen anyway takes nothing from it.
          if (decision.budget && !decision.budget.tryWithdraw()) return settle(error);
          publish(lbChannels.retry, { service, attempt: n + 1, reason });
        }
      }
    };

    try {
      if (!policy) return await attempts(outer);
      // A fresh signal per request: without a caller signal cockatiel hands every call one shared never-aborted
      // signal, and axios's abort listener on it from each call in flight trips MaxListenersExceededWarning.
      return await policy.execute(({ signal }) => attempts(AbortSignal.any(outer ? [outer, signal] : [signal])), outer);
    } finally {
      deadline.clear();
    }
  };
}

/**
 * An axios instance that sends `lb://service/path` requests to an instance picked by the service's balancer,
 * reporting each attempt's status and round-trip time back to it. Failed attempts are retried on instances not
 * yet tried: always when the connection was refused, for idempotent methods after other failures. Other URLs
 * pass through untouched.
 */
export function createLbAxios(options: LbAxiosOptions): AxiosInstance {
  const send = axios.getAdapter("http");
  return axios.create({ ...options.defaults, adapter: lbAdapter(options, send) });
}

export type { RetryBudgetLike, RetryOptions } from "./retry-decision.js";
