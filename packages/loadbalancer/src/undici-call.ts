import {
  type AttemptContext,
  classifyFailure,
  describeCall,
  monotonicClock,
  neverAborted,
  type RetryEngine,
  signalOf,
} from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import type { Dispatcher } from "undici";
import type { AttemptPolicy } from "./attempt-policy.js";
import { type AttemptSignal, RequestSignal } from "./attempt-signal.js";
import { attemptSignalFor, pickFor, retryReason } from "./attempt-step.js";
import {
  type CallMessage,
  endAttempt,
  endCall,
  lbChannels,
  publish,
  traceAttempt,
  traceCall,
  withAttemptHeaders,
} from "./channels.js";
import { isLbError, LbError } from "./errors.js";
import { failureReason, httpOutcome } from "./outcome.js";
import type { Balancer, Pick } from "./pick.js";
import { AttemptHandler, HeldResponse } from "./undici-attempt.js";

/** What one balanced request needs from its dispatcher. */
export interface CallSetup {
  readonly service: string;
  readonly path: string;
  readonly balancer: Balancer;
  readonly engine: RetryEngine;
  readonly policy: AttemptPolicy | undefined;
  readonly perTryTimeoutMs: number | undefined;
  readonly deadlineMs: number | undefined;
  readonly key: string | undefined;
  /** The pool of `instance`, where the attempt is dispatched. */
  readonly poolOf: (instance: ServiceInstance) => Dispatcher;
}

/** A body undici can send again whole: none, a string or bytes. Streams and async iterables are read once. */
function replayable(body: Dispatcher.DispatchOptions["body"]): boolean {
  return body == null || typeof body === "string" || body instanceof Uint8Array;
}

function notReplayable(cause: unknown): LbError {
  return new LbError(
    "LB_BODY_NOT_REPLAYABLE",
    "The request failed and would be retried, but its body is a stream that was already read: send a string or " +
      "a Buffer to let it be retried on another instance",
    { cause },
  );
}

/**
 * One `lb://` request through the undici dispatcher: the call context, the retry engine's attempts (each on a
 * newly picked instance's pool), the optional policy around them, per-try timeout and deadline; the outcome of
 * every attempt goes to its pick, as in the axios client. The caller's handler sees one answer or one error.
 */
export class BalancedCall {
  readonly #setup: CallSetup;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #caller: Dispatcher.DispatchHandlers;
  readonly #request: RequestSignal;
  readonly #tried = new Set<string>();
  #last: unknown;
  #sends = 0;
  #done = false;
  /** The attempt in flight, which a caller's abort ends. */
  #current: AttemptHandler | undefined;
  /** Why the caller aborted; set once. No AbortController per request: most requests are never aborted. */
  #cancelled: Error | undefined;
  #trace: CallMessage | undefined;

  constructor(setup: CallSetup, options: Dispatcher.DispatchOptions, caller: Dispatcher.DispatchHandlers) {
    this.#setup = setup;
    this.#options = options;
    this.#caller = caller;
    const { service, deadlineMs } = setup;
    this.#request = new RequestSignal(
      undefined,
      deadlineMs,
      () =>
        new LbError(
          "LB_DEADLINE_EXCEEDED",
          `No answer from ${service} within ${deadlineMs} ms: raise deadlineMs or check it`,
        ),
    );
    // The caller's abort (fetch's AbortSignal, undici.request's signal) ends the attempt in flight and the retries.
    caller.onConnect?.((reason?: Error) => this.#cancel(reason ?? new Error("The request was aborted")));
  }

  /** Runs the attempts; the caller's handler gets the answer or, after the last failed attempt, the error. */
  start(): void {
    const { engine, policy } = this.#setup;
    const call = describeCall({
      method: this.#options.method,
      ...(this.#options.idempotent !== undefined ? { idempotent: this.#options.idempotent } : {}),
      replayable: replayable(this.#options.body),
      ...(this.#setup.deadlineMs !== undefined ? { deadline: monotonicClock.now() + this.#setup.deadlineMs } : {}),
      tried: this.#tried,
      refuseReplay: notReplayable,
    });
    this.#trace = traceCall(this.#setup.service, this.#options.method, this.#setup.path, call);
    engine.budget?.deposit();
    const built = (signal: AbortSignal | undefined) =>
      engine.run(this.#attemptUnder(signal), call, signal ?? neverAborted, true);
    const signal = this.#request.signal;
    const attempts = policy ? policy.execute((context) => built(signalOf(context)), signal, call) : built(signal);
    attempts.then(undefined, (error: unknown) => this.#fail(error));
  }

  #cancel(reason: Error): void {
    if (this.#cancelled) return;
    this.#cancelled = reason;
    this.#current?.abandon(reason);
  }

  #fail(error: unknown): void {
    this.#request.dispose();
    if (this.#done) return;
    this.#done = true;
    // No untried instance was left: the previous attempt's failure is the answer.
    let final = error;
    if (isLbError(final) && final.code === "LB_ALL_INSTANCES_TRIED" && final.cause !== undefined) final = final.cause;
    endCall(this.#trace, final);
    if (final instanceof HeldResponse) final.replay(this.#caller);
    else this.#caller.onError?.(final instanceof Error ? final : new Error(String(final)));
  }

  /** One attempt on an instance not yet tried, under `signal` (the policy's or the request's). */
  #attemptUnder(signal: AbortSignal | undefined) {
    return async (context: AttemptContext): Promise<void> => {
      const { service, engine, balancer, key } = this.#setup;
      if (this.#last !== undefined)
        publish(lbChannels.retry, {
          service,
          attempt: this.#tried.size + 1,
          reason: retryReason(this.#last, engine.statuses),
          ...(this.#trace && { call: this.#trace }),
        });
      if (this.#cancelled) throw this.#cancelled;
      // A policy's retry runs the engine again: a stream body already read cannot go a second time.
      if (++this.#sends > 1 && !context.replayable) throw notReplayable(this.#last);
      // Every send after the first is a retry for the balancer, whichever layer retries (round robin stays put).
      const pickOptions = {
        avoid: this.#tried,
        attempt: this.#tried.size + 1,
        untriedOnly: context.attempt > 0,
        ...(key ? { key } : {}),
      };
      const pick = await pickFor(balancer, pickOptions, signal, this.#last);
      this.#tried.add(pick.instance.id);
      try {
        await this.#send(pick, context, signal);
      } catch (error) {
        this.#last = error;
        throw error;
      }
    };
  }

  /** Dispatches on the instance's pool; settles when the caller has headers (resolve) or the attempt failed. */
  #send(pick: Pick, context: AttemptContext, signal: AbortSignal | undefined): Promise<void> {
    const { perTryTimeoutMs, engine, path } = this.#setup;
    const { instance } = pick;
    const started = performance.now();
    const attemptSignal = attemptSignalFor(instance.id, perTryTimeoutMs, signal);
    const lastAttempt = context.attempt + 1 >= engine.maxAttempts;
    const traced = traceAttempt(this.#trace, instance, path);
    return new Promise<void>((resolve, reject) => {
      const handler: AttemptHandler = new AttemptHandler(this.#caller, {
        holdStatus: (status) => !lastAttempt && engine.statuses.has(status),
        committed: () => {
          this.#done = true;
          resolve();
        },
        failed: (error) => {
          attemptSignal?.dispose();
          endAttempt(traced, error);
          reject(this.#judge(pick, error, performance.now() - started, attemptSignal, signal));
        },
        finished: (status, error) => {
          attemptSignal?.dispose();
          this.#request.dispose();
          const rttMs = performance.now() - started;
          endAttempt(traced, error, status);
          endCall(this.#trace, error, status);
          if (error === undefined) pick.done(httpOutcome(status, rttMs));
          else this.#judge(pick, error, rttMs, attemptSignal, signal);
        },
      });
      attemptSignal?.addEventListener("abort", () => handler.abandon(attemptSignal.reason as Error));
      this.#current = handler;
      const { origin: _service, ...rest } = this.#options;
      this.#setup.poolOf(instance).dispatch(withAttemptHeaders({ ...rest, path }, traced), handler);
    });
  }

  /** Reports a failed attempt to its pick (whose fault it was) and returns the error the engine should see. */
  #judge(
    pick: Pick,
    error: unknown,
    rttMs: number,
    attemptSignal: AttemptSignal | undefined,
    signal: AbortSignal | undefined,
  ): unknown {
    if (error instanceof HeldResponse) {
      pick.done(httpOutcome(error.status, rttMs));
      return error;
    }
    if (this.#cancelled) {
      pick.done({ kind: "cancelled" });
      return this.#cancelled;
    }
    const request = this.#request.signal;
    if (request?.aborted) {
      // The caller or the deadline gave up: not the instance's fault.
      pick.done({ kind: "cancelled" });
      const reason = request.reason;
      return isLbError(reason) ? new LbError(reason.code, reason.message, { cause: error }) : reason;
    }
    const policyTimeout = signal?.aborted && classifyFailure(signal.reason, this.#setup.engine.statuses) === "timeout";
    if (attemptSignal?.timedOut || policyTimeout) {
      pick.done({ kind: "failure", reason: "timeout", rttMs });
      return attemptSignal?.timedOut ? attemptSignal.reason : signal?.reason;
    }
    if (signal?.aborted) {
      // A policy gave up on this attempt (a hedge that lost): not the instance's fault.
      pick.done({ kind: "cancelled" });
      return error;
    }
    pick.done({ kind: "failure", reason: failureReason(error), rttMs });
    return error;
  }
}
