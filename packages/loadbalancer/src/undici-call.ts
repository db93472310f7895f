import {
  type AbortSource,
  Attempt,
  type AttemptContext,
  abortSourceOf,
  type CallContext,
  callOf,
  type Expiring,
  followAbort,
  isCancellation,
  isIdempotentMethod,
  monotonicClock,
  neverAborted,
  pipeInto,
  type RetryDecider,
  runOn,
  type Settles,
  type SinkTask,
  taskPromise,
} from "@outrigger/core";
import type { Dispatcher } from "undici";
import { attemptPickOptions, canRetryOn, pickFor, pickNow, publishRetry } from "./attempt-step.js";
import { type CallMessage, endAttemptOf, endCall, traceAttemptOf, traceCall, withAttemptHeaders } from "./channels.js";
import { isLbError, LbError } from "./errors.js";
import { LB_CALL, type LbCall } from "./lb-call.js";
import { httpOutcome } from "./outcome.js";
import type { Pick } from "./pick.js";
import { hasIdempotencyKey } from "./request-headers.js";
import { retriesTriedInstances } from "./retry-decision.js";
import { AttemptHandler, type AttemptOwner, HeldResponse } from "./undici-attempt.js";
import { readAheadBody, readBody, replayableBody } from "./undici-body.js";
import { StoppableCall } from "./undici-call-stop.js";
import { judgeAttempt } from "./undici-judge.js";
import { type CallHost, type CallRoute, notReplayable } from "./undici-route.js";

const ABORTED = "The request was aborted";

/**
 * One `lb://` request through the undici dispatcher: the call context (this object: method, idempotency,
 * replayable body, deadline, instances tried), the retry engine's attempts (each on a newly picked instance's
 * pool), the optional policy around them, per-try timeout and deadline; the outcome of every attempt goes to its
 * pick, as in the axios client. The caller's handler sees one answer or one error.
 *
 * Per request it allocates this object and the set of tried instances; per attempt one `AttemptHandler` (its own
 * per-try timeout entry). The first attempt makes no promise: it reports back through its handler to a sink (this
 * call's own without a policy; the policy's, core's `RUN_INTO`, under one whose layers all have it: this package's
 * retry, breaker, bulkhead and timeout), and the retry engine's loop starts only if it fails (`retryAfter`); every
 * later attempt has one promise, as the engine needs, and so has every layer of a policy without a sink path
 * (cockatiel's, a hedge). How it ends early (the caller's abort, the deadline) is `StoppableCall`'s.
 */
export class BalancedCall extends StoppableCall implements CallContext, Expiring, AttemptOwner {
  readonly method: string | undefined;
  readonly idempotent: boolean;
  replayable: boolean;
  readonly deadline: number | undefined;
  readonly tried: Set<string>;
  readonly refuseReplay = notReplayable;
  readonly service: string;
  slot = -1;
  /** Its index among its dispatcher's open calls (open-calls.ts); -1 when not open. */
  openSlot = -1;
  readonly caller: Dispatcher.DispatchHandlers;
  readonly #route: CallRoute;
  readonly #host: CallHost;
  #options: Dispatcher.DispatchOptions;
  readonly #key: string | undefined;
  #last: unknown;
  #sends = 0;
  /** The caller's handler has its answer (headers) or its error. */
  #done = false;
  /** The attempt in flight, which a caller's abort or the deadline ends. */
  #current: AttemptHandler | undefined;
  #trace: CallMessage | undefined;

  constructor(
    route: CallRoute,
    host: CallHost,
    options: Dispatcher.DispatchOptions,
    caller: Dispatcher.DispatchHandlers,
    key: string | undefined,
  ) {
    super();
    this.#route = route;
    this.service = route.service;
    this.#host = host;
    this.caller = caller;
    this.#key = key;
    const method = options.method?.toUpperCase();
    this.method = method;
    // A POST or PATCH with an idempotency key may go again, as Go's Transport resends it (`isReplayable`).
    this.idempotent = options.idempotent ?? (isIdempotentMethod(method) || hasIdempotencyKey(options.headers));
    this.replayable = replayableBody(options.body);
    // One logical call across a retry policy around the client (`lb.call`) carries the instances it tried.
    this.tried = (options as { [LB_CALL]?: LbCall })[LB_CALL]?.tried ?? new Set<string>();
    // The instance's pool sends to its own origin; `lb://service` must not reach undici's request record.
    const path = options.path.startsWith("/") ? options.path : `/${options.path}`;
    this.#options = { ...options, origin: undefined, path };
    const deadlines = host.deadlines;
    if (deadlines) {
      // One clock reading for both: the dispatcher's queues read the monotonic clock (`timeoutQueue`'s default).
      const now = monotonicClock.now();
      this.deadline = now + deadlines.ms;
      deadlines.add(this, now);
    }
    // The caller's abort (fetch's AbortSignal, undici.request's signal) ends the attempt in flight and the retries.
    caller.onConnect?.((reason?: Error) => this.abort(reason ?? new Error(ABORTED)));
  }

  /** Runs the attempts; the caller's handler gets the answer or, after the last failed attempt, the error. */
  start(): void {
    if (!readAheadBody(this.#options)) {
      this.#run();
      return;
    }
    // A short body given as a stream (every fetch body): read it first, so a retry can send it again.
    readBody(this.#options.body).then(
      (bytes) => {
        if (this.stopped) return;
        this.#options = { ...this.#options, body: bytes };
        this.replayable = true;
        this.#run();
      },
      (error: unknown) => this.#fail(error),
    );
  }

  #run(): void {
    const { engine, policy } = this.#route;
    this.#trace = traceCall(this.#route.service, this.method, this.#options.path, this, this.#route.balancer);
    engine.budget?.deposit();
    if (!policy) {
      this.#first(this, neverAborted, this);
      return;
    }
    runOn(
      policy,
      // The attempt's cancellation, not its AbortSignal: a timeout policy's is followed without one being made.
      // The policy's attempt as the engine's call: an attempt's `willRetry` also asks the policy's retry.
      (context, sink) =>
        this.#first(context instanceof Attempt ? context : this, abortSourceOf(context) ?? neverAborted, sink),
      this,
      // No signal: the caller's abort and the deadline end the attempt in flight and answer the caller directly
      // (`stop`), and an attempt the policy starts later throws at once. Making one AbortController per request for
      // the policy to follow cost more than the rest of the request path (see the README's bench).
      undefined,
      this,
    );
  }

  /** The outcome of the attempts (this call is their sink): an answer was already handed on (`committed`). */
  resolve(): void {}

  /** The outcome of the attempts (this call is their sink): the caller gets the error. */
  reject(error: unknown): void {
    this.#fail(error);
  }

  /**
   * What `engine.run(#attemptOf, call, signal)` does, without its promise around a first attempt that succeeds (most
   * requests): the first attempt runs here, and only its failure — thrown, while waiting for an instance, or reported
   * by its handler (`failed`) — starts the engine's retry loop (`retryAfter`), whose outcome goes to `sink`.
   */
  #first(call: CallContext, signal: AbortSource, sink: Settles<void>): void {
    const context = this.#route.engine.firstAttempt(call, signal);
    try {
      this.#attempt(context, abortSourceOf(context), true, sink);
    } catch (error) {
      this.#retry(context, error, sink);
    }
  }

  /** The engine's attempts after the first one (`first`) failed with `error`, as `engine.run` makes them, into `sink`. */
  #retry(first: AttemptContext, error: unknown, sink: Settles<void>): void {
    const signal = abortSourceOf(first) ?? neverAborted;
    pipeInto(this.#route.engine.retryAfter(BalancedCall.#attemptOf, this, first, error, signal), sink);
  }

  /**
   * The engine's attempt function, one for every request: the engine runs it with an attempt of this call (its
   * `callOf`) under the policy's cancellation (its `abortSourceOf`), so no closure per request carries either.
   */
  static readonly #attemptOf = (attempt: AttemptContext): Promise<void> => taskPromise(BalancedCall.#later, attempt);

  static readonly #later: SinkTask<void> = (attempt, sink) =>
    (callOf(attempt) as BalancedCall).#attempt(attempt, abortSourceOf(attempt), false, sink);

  /**
   * Whether a retry by `by` after `error` has an instance to go to (a retry engine asks; see `canRetryOn`): the
   * route's own engine retries on untried instances only, a policy's re-picks among tried ones when none is left.
   */
  canResend(error: unknown, by: RetryDecider): boolean {
    const { balancer, engine } = this.#route;
    return by !== engine || canRetryOn(balancer, this.tried, retriesTriedInstances(engine), error);
  }

  /** The deadline (the queue calls it). */
  expire(): void {
    const ms = this.#host.deadlines?.ms;
    const { service } = this.#route;
    this.stop(
      new LbError("LB_DEADLINE_EXCEEDED", `No answer from ${service} within ${ms} ms: raise deadlineMs or check it`),
    );
  }

  protected onStop(reason: Error): void {
    // An attempt in flight fails (or, streaming, breaks) with the reason and the engine gives up on it; with none
    // (a backoff, a policy's wait) the caller hears now, not when the wait ends.
    if (this.#current) this.#current.abandon(reason);
    else this.#fail(reason);
  }

  #fail(error: unknown): void {
    this.#host.deadlines?.cancel(this);
    if (this.#done) return;
    this.#done = true;
    // No untried instance was left: the previous attempt's failure is the answer.
    let final = error;
    if (isLbError(final) && final.code === "LB_ALL_INSTANCES_TRIED" && final.cause !== undefined) final = final.cause;
    endCall(this.#trace, final);
    if (final instanceof HeldResponse) final.replay(this.caller);
    else this.caller.onError?.(final instanceof Error ? final : new Error(String(final)));
    this.#host.ended(this);
  }

  /**
   * One attempt on an instance not yet tried, under `signal` (a policy's; undefined without a policy). `sink` hears
   * when the caller has headers or the attempt failed — for a `first` attempt, when the engine's retries after it
   * (if any) are over: its failure goes to the engine (`failed`, `#retry`) first.
   */
  #attempt(context: AttemptContext, signal: AbortSource | undefined, first: boolean, sink: Settles<void>): void {
    const { engine, balancer } = this.#route;
    if (this.stopped) throw this.stopped;
    // A policy's retry runs the engine again: a stream body already read cannot go a second time.
    if (++this.#sends > 1 && !context.replayable) throw notReplayable(this.#last);
    const options = attemptPickOptions(this.tried, context, retriesTriedInstances(engine), this.#last, this.#key);
    const pick = pickNow(balancer, options, this.#last);
    if (pick) {
      this.#send(pick, context, signal, first, sink);
      return;
    }
    // Every instance is at its in-flight cap: wait (bounded) for one, under the policy's or the request's signal.
    const waitSignal = signal === undefined ? this.requestSignal() : isCancellation(signal) ? signal.signal : signal;
    pickFor(balancer, options, waitSignal, this.#last)
      .then((waited) => {
        if (!this.stopped) return this.#send(waited, context, signal, first, sink);
        waited.done({ kind: "cancelled" });
        throw this.stopped;
      })
      // A first attempt that could not be sent fails as any attempt under `engine.run` does: into the retry loop.
      .then(undefined, (error: unknown) => (first ? this.#retry(context, error, sink) : sink.reject(error)));
  }

  /** Dispatches on the instance's pool; `sink` hears when the caller has headers (resolve) or the attempt failed. */
  #send(
    pick: Pick,
    context: AttemptContext,
    signal: AbortSource | undefined,
    first: boolean,
    sink: Settles<void>,
  ): void {
    const { engine, policy, service } = this.#route;
    publishRetry(service, this.tried.size + 1, this.#last, engine.statuses, this.#trace);
    this.tried.add(pick.instance.id);
    // A policy may retry after the engine's last attempt: then a retryable status is held back for it too.
    const lastAttempt = policy === undefined && context.attempt + 1 >= engine.maxAttempts;
    const perTry = this.#host.perTry;
    const handler = new AttemptHandler(this, pick, lastAttempt, perTry?.ms, signal, context, sink, first);
    perTry?.add(handler, handler.started);
    if (signal) handler.unfollow = followAbort(signal, () => handler.abandon(signal.reason as Error));
    this.#current = handler;
    const traced = traceAttemptOf(handler, this.#trace, pick.instance, this.#options.path);
    this.#host.poolOf(pick.instance).dispatch(withAttemptHeaders(this.#options, traced), handler);
  }

  holdStatus(attempt: AttemptHandler, status: number): boolean {
    return !attempt.lastAttempt && this.#route.engine.statuses.has(status);
  }

  committed(attempt: AttemptHandler): void {
    // The caller has the answer: the per-try timeout is over, the deadline runs on while the body streams — Envoy
    // ignores a per-try timeout once the response started downstream and leaves it to the route's timeout
    // (source/common/router/upstream_request.cc `onPerTryTimeout`), as a policy's timeout ends here too.
    this.#host.perTry?.cancel(attempt);
    this.#done = true;
    attempt.sink.resolve();
  }

  failed(attempt: AttemptHandler, error: unknown): void {
    endAttemptOf(attempt, error);
    this.#release(attempt);
    const judged = this.#judged(attempt, error, performance.now() - attempt.started, true);
    this.#last = judged;
    if (!attempt.first) attempt.sink.reject(judged);
    // Into the engine's retry loop, where `engine.run`'s rejection handler would have started it: in a microtask, not
    // inside the undici callback that reported the failure (a retry without backoff would dispatch from within it).
    else queueMicrotask(() => this.#retry(attempt.context, judged, attempt.sink));
  }

  finished(attempt: AttemptHandler, status: number, error?: unknown): void {
    this.#release(attempt);
    this.#host.deadlines?.cancel(this);
    const rttMs = performance.now() - attempt.started;
    endAttemptOf(attempt, error, status);
    endCall(this.#trace, error, status);
    if (error === undefined) attempt.pick.done(httpOutcome(status, rttMs));
    else this.#judged(attempt, error, rttMs, false);
    this.#host.ended(this);
  }

  #release(attempt: AttemptHandler): void {
    this.#host.perTry?.cancel(attempt);
    attempt.unfollow();
    if (this.#current === attempt) this.#current = undefined;
  }

  /** Reports a failed attempt to its pick (`judgeAttempt`); `retriable`: not a break after the caller had headers. */
  #judged(attempt: AttemptHandler, error: unknown, rttMs: number, retriable: boolean): unknown {
    const lag = this.#host.localLagThresholdMs;
    const context = {
      stopped: this.stopped,
      route: this.#route,
      localLagThresholdMs: lag,
      tried: this.tried,
      retriable,
    };
    return judgeAttempt(attempt, error, rttMs, context);
  }
}
