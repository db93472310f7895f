import { type AttemptContext, attemptContext, type CallContext, callOf } from "./attempt-context.js";
import { classifyFailure, type FailureKind, retryAfterMsOf } from "./attempt-failure.js";
import { coreChannels } from "./channels.js";
import { type Clock, monotonicClock } from "./clock.js";
import { type Event, EventSource } from "./event.js";
import { type AbortSource, followAbort, neverAborted } from "./follow-abort.js";
import { checkNumber, checkOptionalNumber } from "./option.js";
import { MAX_TIMER_DELAY_MS } from "./timer.js";

/**
 * What limits retries to a share of requests (Finagle's and Linkerd's retry budgets): `RetryBudget` from
 * `@outrigger/resilience` fits, as does any object with these two methods.
 */
export interface RetryBudgetLike {
  /** Records one request (once per call, not per attempt). */
  deposit(): void;
  /** Takes one retry's worth; false refuses the retry. */
  tryWithdraw(): boolean;
}

/** How retry delays grow: exponential with full jitter (default), AWS' decorrelated jitter, or no delay. */
export type BackoffKind = "exponential" | "decorrelated-jitter" | "none";

/** Settings of the retry engine, shared by `createRetryPolicy` and `createLbAxios`'s built-in retries. */
export interface RetryEngineOptions {
  /** Attempts in all, the first included (3 means up to two retries). */
  readonly maxAttempts: number;
  /** Statuses worth another try (default 429, 502, 503, 504: the instance, not the request, failed or is busy). */
  readonly retryOnStatus?: readonly number[];
  /** Retry non-idempotent calls after failures that may have reached the server too (default false). */
  readonly retryNonIdempotent?: boolean;
  /** Replaces the failure test (not the replay, attempt, Retry-After, deadline and budget gates). */
  readonly retryOn?: (error: unknown, context: AttemptContext) => boolean;
  /** A shared budget each retry must withdraw from; without one only `maxAttempts` limits retries. */
  readonly budget?: RetryBudgetLike;
  readonly backoff?: BackoffKind;
  /** First backoff delay (default 10 ms), growing each retry up to `maxDelayMs` (default 1 s). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured (default 30 s); a longer one gives up at once instead of waiting. */
  readonly maxRetryAfterMs?: number;
  /** Where the deadline is read (default the monotonic clock). */
  readonly clock?: Clock;
  /** Randomness for jitter, in [0, 1) (default Math.random); injectable for tests. */
  readonly random?: () => number;
}

/** Why the engine stopped retrying. */
export type GiveUpReason =
  | "not-retryable"
  | "not-idempotent"
  | "not-replayable"
  | "attempts"
  | "no-target"
  | "retry-after"
  | "deadline"
  | "budget"
  | "aborted";

/** The engine's decision after a failed attempt. */
export type RetryVerdict =
  | { readonly retry: true; readonly kind: FailureKind; readonly delayMs: number }
  | { readonly retry: false; readonly kind: FailureKind; readonly why: GiveUpReason };

/**
 * A retry is about to wait `delay` ms, then make attempt number `attempt` (1 for the first retry). Emitted only for a
 * retry that has somewhere to go (`CallContext.canResend`), as Envoy counts `upstream_rq_retry` only once every
 * gate let the retry through (source/common/router/retry_state_impl.cc, `RetryStateImpl::shouldRetry`).
 */
export interface RetryEvent {
  readonly attempt: number;
  readonly delay: number;
  readonly kind: FailureKind;
  readonly error: unknown;
}

/** The call failed for good; `errors` holds every attempt's error, oldest first (go-kit's `RetryError`). */
export interface GiveUpEvent {
  readonly error: unknown;
  readonly why: GiveUpReason;
  readonly errors: readonly unknown[];
}

const ATTEMPT_ERRORS = Symbol.for("outrigger.attemptErrors");

/** Every attempt's error of a call that gave up, oldest first (the last is the one thrown); [] when unknown. */
export function attemptErrorsOf(error: unknown): readonly unknown[] {
  const errors = (error as Record<symbol, unknown> | null)?.[ATTEMPT_ERRORS];
  return Array.isArray(errors) ? errors : [];
}

/**
 * The one retry engine: decides after each failed attempt whether to try again (failure kind, idempotency,
 * replayable body, attempts left, somewhere to go (`canResend`), Retry-After, deadline, budget: in that order, so a
 * budget token is spent, and `onRetry` fires, only for a retry that happens) and runs the attempts, each with a
 * fresh `AttemptContext`. Re-picking an instance not yet tried is the transport's part, through `context.tried`.
 * Shaped after go-kit's `sd/lb/retry.go`.
 */
export class RetryEngine {
  readonly maxAttempts: number;
  readonly budget: RetryBudgetLike | undefined;
  readonly statuses: ReadonlySet<number>;
  readonly #options: RetryEngineOptions;
  readonly #initial: number;
  readonly #max: number;
  readonly #maxRetryAfter: number;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #retried = new EventSource<RetryEvent>();
  readonly #giveUp = new EventSource<GiveUpEvent>();
  /** Each failed attempt's verdict, so the transport's early question (`willRetry`) and `run` get one answer. */
  readonly #verdicts = new WeakMap<AttemptContext, { readonly error: unknown; readonly verdict: RetryVerdict }>();
  /** Before each retry's backoff. */
  readonly onRetry: Event<RetryEvent> = this.#retried.event;
  /** After the last failed attempt, with the reason. */
  readonly onGiveUp: Event<GiveUpEvent> = this.#giveUp.event;

  /** Validates `options`; an invalid number is reported through `fail` (the package's `*_INVALID_OPTION`). */
  constructor(options: RetryEngineOptions, fail: (message: string) => Error) {
    this.maxAttempts = checkNumber("maxAttempts", options.maxAttempts, { min: 1, integer: true }, fail);
    const delay = { max: MAX_TIMER_DELAY_MS };
    this.#initial = checkOptionalNumber("initialDelayMs", options.initialDelayMs, delay, fail) ?? 10;
    const maxRule = { min: this.#initial, max: MAX_TIMER_DELAY_MS };
    this.#max = checkOptionalNumber("maxDelayMs", options.maxDelayMs, maxRule, fail) ?? Math.max(1_000, this.#initial);
    this.#maxRetryAfter = checkOptionalNumber("maxRetryAfterMs", options.maxRetryAfterMs, delay, fail) ?? 30_000;
    for (const status of options.retryOnStatus ?? [])
      checkNumber("retryOnStatus", status, { min: 100, max: 599 }, fail);
    this.statuses = new Set(options.retryOnStatus ?? [429, 502, 503, 504]);
    this.budget = options.budget;
    this.#options = options;
    this.#clock = options.clock ?? monotonicClock;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Whether to try again after `error` failed the attempt described by `context`, and after how long. Decided once
   * per attempt and error: asked again (a transport asks through `context.willRetry` before it reports the
   * attempt's outcome, then `run` asks), it gives the first answer, so a budget token is withdrawn once.
   */
  decide(error: unknown, context: AttemptContext): RetryVerdict {
    const known = this.#verdicts.get(context);
    if (known !== undefined && known.error === error) return known.verdict;
    const verdict = this.#decide(error, context);
    this.#verdicts.set(context, { error, verdict });
    return verdict;
  }

  #decide(error: unknown, context: AttemptContext): RetryVerdict {
    const kind = classifyFailure(error, this.statuses);
    const no = (why: GiveUpReason): RetryVerdict => ({ retry: false, kind, why });
    if (context.signal.aborted) return no("aborted");
    const { retryOn, retryNonIdempotent } = this.#options;
    if (retryOn) {
      if (!retryOn(error, context)) return no("not-retryable");
    } else {
      if (kind === "rejected" || kind === "other") return no("not-retryable");
      // Only a request that provably never left may go again when repeating it is not safe.
      if (kind !== "not-sent" && !context.idempotent && !retryNonIdempotent) return no("not-idempotent");
    }
    if (!context.replayable) return no("not-replayable");
    if (context.attempt + 1 >= this.maxAttempts) return no("attempts");
    // Nowhere to send it (every instance tried, say): no retry to announce, wait for or pay for.
    const call = callOf(context);
    if (call.canResend !== undefined && !call.canResend(error, this)) return no("no-target");
    const hinted = retryAfterMsOf(error);
    // A server asking for more patience than we allow is answered by giving up, not by waiting less than asked.
    if (hinted !== undefined && hinted > this.#maxRetryAfter) return no("retry-after");
    const delayMs = Math.max(this.#backoff(context.attempt), hinted ?? 0);
    if (context.deadline !== undefined && this.#clock.now() + delayMs >= context.deadline) return no("deadline");
    if (this.budget && !this.budget.tryWithdraw()) return no("budget");
    return { retry: true, kind, delayMs };
  }

  /**
   * Runs `fn` until it succeeds or `decide` gives up; the error thrown is the last attempt's (or what the call's
   * `refuseReplay` builds when only the body stood in the way), carrying every attempt's error (`attemptErrorsOf`).
   * The budget gets one deposit per run unless `deposited` (the caller deposited once for the whole request).
   *
   * The first attempt runs without an async frame: its promise gets one rejection handler, and the retry loop (an
   * async function, an error list, the awaits' closures) starts only when it fails. Most calls succeed at once,
   * and the lb undici dispatcher runs an engine twice per request under a retry policy (the policy's and its own
   * single attempt): a profile of that path showed both frames among Outrigger's top costs.
   */
  run<T>(
    fn: (context: AttemptContext) => PromiseLike<T> | T,
    call: CallContext,
    signal: AbortSource = neverAborted,
    deposited = false,
  ): Promise<T> {
    if (!deposited) this.budget?.deposit();
    const context = this.firstAttempt(call, signal);
    let first: PromiseLike<T> | T;
    try {
      first = fn(context);
    } catch (error) {
      return this.#retry(fn, call, signal, context, error);
    }
    return Promise.resolve(first).then(undefined, (error: unknown) => this.#retry(fn, call, signal, context, error));
  }

  /**
   * The context of `run`'s first attempt, for a caller that runs that attempt itself and enters the engine only if
   * it fails (`retryAfter`).
   */
  firstAttempt(call: CallContext, signal: AbortSource = neverAborted): AttemptContext {
    return attemptContext(call, signal, 0, this);
  }

  /**
   * What `run` does after its first attempt failed: the attempts after `failed` (from `firstAttempt`) failed with
   * `failure`, until one succeeds or `decide` gives up — the same promise `run` would have returned. For a transport
   * whose first attempt reports back through its own callbacks (the lb undici dispatcher without a policy): a
   * request that succeeds at once then makes no promise at all. Deposit in the budget yourself (once per request).
   */
  retryAfter<T>(
    fn: (context: AttemptContext) => PromiseLike<T> | T,
    call: CallContext,
    failed: AttemptContext,
    failure: unknown,
    signal: AbortSource = neverAborted,
  ): Promise<T> {
    return this.#retry(fn, call, signal, failed, failure);
  }

  /** The attempts after a failed one (`context` failed with `error`), until one succeeds or `decide` gives up. */
  async #retry<T>(
    fn: (context: AttemptContext) => PromiseLike<T> | T,
    call: CallContext,
    signal: AbortSource,
    failed: AttemptContext,
    failure: unknown,
  ): Promise<T> {
    const errors: unknown[] = [];
    let context = failed;
    let error = failure;
    for (;;) {
      errors.push(error);
      const verdict = this.decide(error, context);
      if (!verdict.retry) throw this.#giveUpWith(error, verdict.why, errors, call);
      const attempt = context.attempt + 1;
      this.#retried.emit({ attempt, delay: verdict.delayMs, kind: verdict.kind, error });
      // An abort already seen (an onRetry listener that gives up, say) must not wait out the backoff: a follower
      // added to an aborted signal never fires (openai/openai-node#2580, replayed in resilience's field reports).
      if (verdict.delayMs > 0 && !signal.aborted) await sleep(verdict.delayMs, signal);
      if (signal.aborted) throw this.#giveUpWith(error, "aborted", errors, call);
      context = attemptContext(call, signal, attempt, this);
      try {
        return await fn(context);
      } catch (next) {
        error = next;
      }
    }
  }

  #giveUpWith(error: unknown, why: GiveUpReason, errors: unknown[], call: CallContext): unknown {
    const final = why === "not-replayable" && call.refuseReplay ? call.refuseReplay(error) : error;
    if (typeof final === "object" && final !== null && Object.isExtensible(final)) {
      Object.defineProperty(final, ATTEMPT_ERRORS, { value: errors, configurable: true });
    }
    this.#giveUp.emit({ error: final, why, errors });
    if (coreChannels.giveUp.hasSubscribers) coreChannels.giveUp.publish({ call: callOf(call), why, error: final });
    return final;
  }

  /** Full jitter (AWS' "Exponential Backoff And Jitter"), or decorrelated jitter; `retry` counts from 0. */
  #backoff(retry: number): number {
    const kind = this.#options.backoff ?? "exponential";
    if (kind === "none") return 0;
    const ceiling = Math.min(this.#max, this.#initial * 2 ** Math.min(retry, 30));
    if (kind === "exponential") return this.#random() * ceiling;
    return Math.min(this.#max, this.#initial + this.#random() * (ceiling * 3 - this.#initial));
  }
}

/**
 * Waits `ms` (bounded by the engine's validated maxima), or less when `signal` aborts; removes its listener. A plain
 * timer, not core's after-I/O `setIoTimeout`: a backoff is a delay before the next attempt, not a timeout racing an
 * answer — run late by a stall, it fails nothing.
 */
function sleep(ms: number, signal: AbortSource): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unfollow();
      resolve();
    };
    // Not unref'd: a script awaiting one retried call must not exit during the (bounded) backoff.
    const timer = setTimeout(done, Math.min(ms, MAX_TIMER_DELAY_MS));
    const unfollow = followAbort(signal, done);
  });
}
