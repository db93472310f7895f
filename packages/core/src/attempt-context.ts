import { type AbortSource, type Cancellation, isCancellation, neverAborted } from "./follow-abort.js";

/**
 * What a call declares about itself, fixed for all its attempts. Every policy and the load-balanced client read
 * the same object, passed explicitly (cockatiel's `{ signal, attempt }` idea, extended): nothing is ambient.
 */
export interface CallContext {
  /** HTTP method, upper case; undefined for calls that are not HTTP or did not say. */
  readonly method: string | undefined;
  /** Sending the call twice has the effect of sending it once (RFC 9110 §9.2.2, or declared by the caller). */
  readonly idempotent: boolean;
  /** The request body can be sent again whole (no body, a Buffer, a string, an object, or a body factory). */
  readonly replayable: boolean;
  /** When the whole call must be over, on the monotonic clock (`monotonicClock.now()`); undefined: no deadline. */
  readonly deadline: number | undefined;
  /** Instance ids already tried by this call, in order; the transport adds to it, a retry's pick avoids them. */
  readonly tried: ReadonlySet<string>;
  /**
   * Builds the error thrown when a retry is wanted but the body cannot be sent again (the transport's typed error,
   * e.g. LB_BODY_NOT_REPLAYABLE); undefined: the failure itself is thrown.
   */
  readonly refuseReplay?: (cause: unknown) => Error;
  /**
   * The destination the call goes to (the `lb://` service name) when the caller knows one; undefined otherwise.
   * Telemetry reads it from a policy's message directly (through `callOf`) instead of remembering each call's
   * service from its start in a map: a map entry per call cost the metrics path more than its own counting.
   */
  readonly service?: string;
  /**
   * Whether a retry by `engine` after an attempt that failed with `error` would have somewhere to go — the
   * transport's answer (the load balancer: an instance not yet tried, or a tried one it may reuse; it may answer
   * its own engine and a retry policy around it differently). When it says false the retry engine gives up
   * (`no-target`) before it announces a retry (`onRetry`), waits out a backoff or spends a budget token: a retry
   * event means a retry is sent. Undefined: always.
   */
  canResend?(error: unknown, engine: RetryDecider): boolean;
  /**
   * True once the caller itself cancelled the call (its signal aborted, the transport's caller went away) — not a
   * deadline, a timeout or a policy: a failure after that is the caller's doing and says nothing about the
   * dependency, so a circuit breaker counts it as neither success nor failure (gRPC's CANCELLED; apache/brpc#3532,
   * a cancelled trial reopening a half-open circuit). Read through `isCallCancelled`. Undefined: never.
   */
  cancelled?(): boolean;
}

/** What one attempt receives: the call's context, the signal that cancels this attempt and its number. */
export interface AttemptContext extends CallContext {
  /** Aborts when the caller, the deadline or a policy (per-try timeout, lost hedge) gives up on this attempt. */
  readonly signal: AbortSignal;
  /** 0 for the first attempt, as cockatiel counts (`IRetryContext.attempt`). */
  readonly attempt: number;
  /**
   * Whether the call will be tried again after this attempt fails with `error`: the verdict of the retry engine
   * running this attempt, else of the one running an attempt it was made from (a retry policy around the client).
   * Decided once per attempt and error: the engine reuses the verdict when `error` reaches it, so a budget token is
   * withdrawn once. A transport asks before it reports the attempt's outcome (outlier detection's
   * `countRetriedAttempts`). Absent on contexts not made by `@outrigger/core` (cockatiel's).
   */
  willRetry?(error: unknown): boolean;
}

/** What decides whether a failed attempt is retried: a `RetryEngine`. */
export interface RetryDecider {
  decide(error: unknown, context: AttemptContext): { readonly retry: boolean };
}

/** What a caller may declare; everything left out is derived or defaulted by `describeCall`. */
export interface CallDeclaration {
  readonly method?: string;
  readonly idempotent?: boolean;
  readonly replayable?: boolean;
  readonly deadline?: number;
  readonly tried?: ReadonlySet<string>;
  readonly refuseReplay?: (cause: unknown) => Error;
  /** The destination service (see `CallContext.service`). */
  readonly service?: string;
  /** Whether a retry by `engine` after `error` has somewhere to go (see `CallContext.canResend`). */
  readonly canResend?: (error: unknown, engine: RetryDecider) => boolean;
  /** Whether the caller has cancelled the call (see `CallContext.cancelled`). */
  readonly cancelled?: () => boolean;
}

/** RFC 9110 §9.2.2: methods whose repetition has the same effect as one request. */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/** True for GET, HEAD, OPTIONS, TRACE, PUT and DELETE, in any case (RFC 9110 §9.2.2). */
export function isIdempotentMethod(method: string | undefined): boolean {
  if (method === undefined) return false;
  // Callers mostly pass it upper case already (the dispatcher did): no second `toUpperCase` then.
  return IDEMPOTENT_METHODS.has(method) || IDEMPOTENT_METHODS.has(method.toUpperCase());
}

const noneTried: ReadonlySet<string> = new Set();

/**
 * A call's context from what the caller declared: `idempotent` defaults to what the method implies (an undeclared
 * method is not idempotent), `replayable` to true (callers with a stream body must say false).
 */
export function describeCall(declared: CallDeclaration = {}): CallContext {
  const method = declared.method?.toUpperCase();
  return {
    method,
    idempotent: declared.idempotent ?? isIdempotentMethod(method),
    replayable: declared.replayable ?? true,
    deadline: declared.deadline,
    tried: declared.tried ?? noneTried,
    ...(declared.refuseReplay ? { refuseReplay: declared.refuseReplay } : {}),
    ...(declared.service !== undefined ? { service: declared.service } : {}),
    ...(declared.canResend ? { canResend: declared.canResend } : {}),
    ...(declared.cancelled ? { cancelled: declared.cancelled } : {}),
  };
}

/** The context of a call that declared nothing: not idempotent, replayable, no deadline. */
export const unknownCall: CallContext = Object.freeze(describeCall());

/**
 * The call a context belongs to: the context itself for a call, the call it was made from for an attempt (through
 * any depth of policies: a retry's attempt handed to a breaker, a hedge inside it). Telemetry keys a call's figures
 * by this object, so a policy that only saw an attempt still reports under the right call.
 */
export function callOf(context: CallContext): CallContext {
  return context instanceof Attempt ? callOfAttempt(context) : context;
}

/** True when the call `context` belongs to (see `callOf`) says its caller cancelled it (`CallContext.cancelled`). */
export function isCallCancelled(context: CallContext): boolean {
  return callOf(context).cancelled?.() === true;
}

/** Reads an attempt's private call; set by `Attempt`'s static block (private fields are class-scoped). */
let callOfAttempt: (attempt: Attempt) => CallContext;

/**
 * One attempt's context. Under `neverAborted` (the caller gave no signal) each attempt reads its own fresh,
 * never-aborted signal, made on first read: handing user code one shared signal would collect an abort listener
 * from every request in flight (fetch and axios add one) and trip MaxListenersExceededWarning, while making a
 * signal for every attempt costs microseconds on Node 20 that most attempts never need. Under a `Cancellation`
 * (a timeout policy's `LazyAbort`) the signal is the cancellation's, also made on first read; a transport that
 * follows the attempt through `abortSourceOf` never makes one.
 */
export class Attempt implements AttemptContext {
  readonly method: string | undefined;
  readonly idempotent: boolean;
  readonly replayable: boolean;
  readonly deadline: number | undefined;
  readonly tried: ReadonlySet<string>;
  readonly refuseReplay?: (cause: unknown) => Error;
  readonly service: string | undefined;
  #signal: AbortSignal | undefined;
  readonly #lazy: Cancellation | undefined;
  /** The call this attempt (or the attempt it was made from) belongs to; see `callOf`. */
  readonly #call: CallContext;
  /** The attempt this one was made from (an outer policy's), whose engine decides when this one's gives up. */
  readonly #parent: Attempt | undefined;
  /** The retry engine running this attempt, if one does. */
  readonly #decider: RetryDecider | undefined;

  constructor(
    call: CallContext,
    source: AbortSource | undefined,
    readonly attempt: number,
    decider?: RetryDecider,
  ) {
    this.method = call.method;
    this.idempotent = call.idempotent;
    this.replayable = call.replayable;
    this.deadline = call.deadline;
    this.tried = call.tried;
    this.service = call.service;
    this.#call = call instanceof Attempt ? call.#call : call;
    this.#parent = call instanceof Attempt ? call : undefined;
    this.#decider = decider;
    if (call.refuseReplay) this.refuseReplay = call.refuseReplay;
    if (source === undefined || source === neverAborted) return;
    if (isCancellation(source)) this.#lazy = source;
    else this.#signal = source;
  }

  static {
    callOfAttempt = (attempt) => attempt.#call;
  }

  willRetry(error: unknown): boolean {
    if (this.#decider?.decide(error, this).retry) return true;
    return this.#parent?.willRetry(error) ?? false;
  }

  get signal(): AbortSignal {
    this.#signal ??= this.#lazy ? this.#lazy.signal : new AbortController().signal;
    return this.#signal;
  }

  /**
   * The signal an inner policy must follow: the one given or read already, or the cancellation's (made now: the
   * inner policy takes an AbortSignal); undefined when the attempt cannot be cancelled and none was read yet.
   */
  peekSignal(): AbortSignal | undefined {
    if (this.#signal === undefined && this.#lazy !== undefined) this.#signal = this.#lazy.signal;
    return this.#signal;
  }

  /** What cancels this attempt without making a signal: the cancellation, the signal given, or undefined. */
  peekAbort(): AbortSource | undefined {
    return this.#lazy ?? this.#signal;
  }
}

/**
 * The context of attempt `attempt` (0 for the first) of `call` under `source` (a signal or a cancellation);
 * `decider` is the retry engine running it, which `willRetry` asks. When `call` is already that attempt — an
 * `Attempt` with the same number, cancelled by the same source — and no engine of its own runs it, it is handed on
 * as it is: a layer that changes none of these (a breaker or a bulkhead inside a retry, composed) made an identical
 * copy of every field per call before, two of the five attempt objects of a full-policy lb request. (A copy without
 * a decider would ask its parent, `call`, anyway.)
 */
export function attemptContext(
  call: CallContext,
  source: AbortSource | undefined,
  attempt: number,
  decider?: RetryDecider,
): AttemptContext {
  if (
    decider === undefined &&
    call instanceof Attempt &&
    call.attempt === attempt &&
    call.peekAbort() === ownSource(source)
  ) {
    return call;
  }
  return new Attempt(call, source, attempt, decider);
}

/** What an `Attempt` made under `source` keeps as its own cancellation (`peekAbort`): none for `neverAborted`. */
const ownSource = (source: AbortSource | undefined): AbortSource | undefined =>
  source === neverAborted ? undefined : source;

/**
 * The signal an outer policy hands to the next one: the attempt's signal if it has one, else undefined, so a
 * composition does not make a signal nobody listens to (reading `context.signal` would).
 */
export function signalOf(context: { readonly signal: AbortSignal }): AbortSignal | undefined {
  return context instanceof Attempt ? context.peekSignal() : context.signal;
}

/**
 * What a transport follows to cancel an attempt (with `followAbort`, checking `aborted`/`reason`): the attempt's
 * cancellation without making its AbortSignal, or its signal; undefined when nothing can cancel it.
 */
export function abortSourceOf(context: { readonly signal: AbortSignal }): AbortSource | undefined {
  return context instanceof Attempt ? context.peekAbort() : context.signal;
}
