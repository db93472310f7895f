import { attemptContext, type Clock, EventSource, isCallCancelled, neverAborted, unknownCall } from "@outrigger/core";
import { CircuitState, type IBreaker } from "cockatiel";
import { publishResilience, resilienceChannels } from "./channels.js";
import { isCancelError, isRejection, isResilienceError, ResilienceError } from "./errors.js";
import type { AttemptContext, CallContext } from "./policy.js";

/** How one call ended, as the circuit counts it. */
const Outcome = {
  Success: 0,
  Failure: 1,
  /** Succeeded, but slower than the slow-call threshold: a failure for the breaker, an answer for the caller. */
  Slow: 2,
  /** Neither: the caller cancelled or another policy refused, so the call says nothing about the dependency. */
  Neutral: 3,
} as const;
type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** What the circuit needs besides the breaker that judges the closed state. */
export interface CircuitOptions {
  /** Judges health while closed: cockatiel's `IBreaker` (consecutive, count window, fresh sampling). */
  readonly breaker: IBreaker;
  readonly halfOpenAfterMs: number;
  /** Calls let through while half-open; more are refused at once rather than queued behind the trials. */
  readonly halfOpenTrials: number;
  /**
   * Longest a half-open period waits for its trials' verdict (resilience4j's maxWaitDurationInHalfOpenState): past
   * it, trials still running count as failed and the circuit opens again, so a trial that never settles cannot hold
   * the circuit half-open, refusing every caller, for ever (resilience4j/resilience4j#903, #935).
   */
  readonly maxHalfOpenMs: number;
  /** Failed trials that open the circuit again; the rest of the trials close it when they all succeed. */
  readonly trialFailuresToOpen: number;
  /**
   * Slow trials (successes slower than `slowCallMs`) that open the circuit again, judged apart from the failures as
   * resilience4j judges its permitted half-open calls (CircuitBreakerMetrics: failure rate and slow-call rate each
   * against its own threshold); Infinity without a slow-call threshold.
   */
  readonly trialSlowToOpen: number;
  readonly failOn: (error: unknown) => boolean;
  /** Successes slower than this count as slow calls (for the count-window breaker's slow-call ratio). */
  readonly slowCallMs: number | undefined;
  /** Tells the breaker that the failure it is told about was a slow success. */
  readonly markSlow: (slow: boolean) => void;
  readonly clock: Clock;
}

/** Circuit states by the names the `outrigger:resilience:breaker` channel uses. */
const STATE_NAMES = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "open",
} as const;

/**
 * The circuit's state machine: closed (the breaker judges every outcome), open (calls refused until
 * `halfOpenAfterMs`), half-open (up to `halfOpenTrials` calls at once decide). Cockatiel's own circuit policy
 * admits one trial and makes every other caller wait for its verdict, so a slow trial piles callers up; like
 * resilience4j, this one admits N trials, refuses the rest at once, and reads the time from an injectable clock.
 */
export class Circuit {
  #state = CircuitState.Closed;
  #openedAt = 0;
  #halfOpenedAt = 0;
  /** Bumped on every transition, so a trial admitted in an earlier half-open period cannot vote in this one. */
  #epoch = 0;
  #trialsAdmitted = 0;
  #trialSuccesses = 0;
  #trialFailures = 0;
  /** Of the trial successes, those slower than `slowCallMs`. */
  #trialSlow = 0;

  readonly breakEmitter = new EventSource<void>();
  readonly halfOpenEmitter = new EventSource<void>();
  readonly resetEmitter = new EventSource<void>();
  readonly rejectedEmitter = new EventSource<void>();

  constructor(private readonly options: CircuitOptions) {}

  get state(): CircuitState {
    return this.#state;
  }

  // No async/await: this sits on every call, and each await is a measurable share of the pipeline's overhead.
  execute<T>(
    fn: (context: AttemptContext) => PromiseLike<T> | T,
    // core's shared never-aborted signal: a policy inside (a timeout) knows not to follow it. A signal of the circuit's
    // own was followed by every call inside it, an EventTarget listener added and removed per call at low load.
    signal: AbortSignal = neverAborted,
    call: CallContext = unknownCall,
  ): Promise<T> {
    const trial = this.#admit(call);
    if (trial === undefined) return Promise.reject(this.#refusal(call));
    const { slowCallMs, clock } = this.options;
    const started = slowCallMs === undefined ? 0 : clock.now();
    let running: Promise<T>;
    try {
      running = Promise.resolve(fn(attemptContext(call, signal, 0)));
    } catch (error) {
      running = Promise.reject(error);
    }
    // The usual call (closed, no slow-call threshold) succeeds through one handler shared by every call. (The
    // failure handlers are anonymous arrows: a named one per call is wrapped again by a TS runner's `keepNames`.)
    if (trial === -1 && slowCallMs === undefined) {
      return running.then(this.#closedSuccess, (error: unknown) => this.#failed(error, trial, call, signal));
    }
    return running.then(
      (value) => {
        const slow = slowCallMs !== undefined && clock.now() - started > slowCallMs;
        this.#record(slow ? Outcome.Slow : Outcome.Success, trial, call);
        return value;
      },
      (error: unknown) => this.#failed(error, trial, call, signal),
    );
  }

  /**
   * `execute`'s admission alone, for a composition that runs this circuit as a guard (guard.ts; only without a
   * slow-call threshold, which needs the start time): the trial to hand to `leave`, or throws the refusal.
   */
  enter(call: CallContext): number {
    const trial = this.#admit(call);
    if (trial === undefined) throw this.#refusal(call);
    return trial;
  }

  /** `execute`'s record alone: how the call admitted as `trial` with `signal` settled. */
  leave(trial: number, failed: boolean, outcome: unknown, call: CallContext, signal: AbortSignal): void {
    this.#record(failed ? this.#classify(outcome, call, signal) : Outcome.Success, trial, call);
  }

  #failed(error: unknown, trial: number, call: CallContext, signal: AbortSignal): never {
    this.#record(this.#classify(error, call, signal), trial, call);
    throw error;
  }

  /** A closed-state call succeeded (no slow-call threshold): `#record` reads no call for it. */
  readonly #closedSuccess = <T>(value: T): T => {
    this.#record(Outcome.Success, -1, unknownCall);
    return value;
  };

  /** The epoch of a half-open trial, -1 for an ordinary closed-state call, undefined when the call is refused. */
  #admit(call: CallContext): number | undefined {
    if (this.#state === CircuitState.Closed) return -1;
    const now = this.options.clock.now();
    if (this.#state === CircuitState.Open) {
      if (now - this.#openedAt < this.options.halfOpenAfterMs) return undefined;
      this.#transition(CircuitState.HalfOpen, call);
      this.#halfOpenedAt = now;
      this.halfOpenEmitter.emit();
    }
    if (this.#trialsAdmitted >= this.options.halfOpenTrials) {
      // Checked only here, when a caller is refused: no timer. The stale trials cannot vote once the epoch moved.
      if (now - this.#halfOpenedAt >= this.options.maxHalfOpenMs) {
        this.options.markSlow(false);
        this.options.breaker.failure(CircuitState.HalfOpen);
        this.#open(call);
      }
      return undefined;
    }
    this.#trialsAdmitted++;
    return this.#epoch;
  }

  /**
   * A call its caller cancelled is neutral whatever it failed with — the transport says so (`isCallCancelled`), or it
   * failed with the very reason the caller's signal was aborted with (not a policy's, e.g. an outer timeout's): a
   * custom reason (`controller.abort(new Error("client disconnected"))`, axios' CanceledError) is no AbortError, and
   * counting it opened circuits on healthy dependencies (diegosouzapw/OmniRoute#7907, apache/brpc#3532).
   */
  #classify(error: unknown, call: CallContext, signal: AbortSignal | undefined): Outcome {
    if (isCallCancelled(call)) return Outcome.Neutral;
    if (signal?.aborted && error === signal.reason && !isResilienceError(error)) return Outcome.Neutral;
    if (this.options.failOn(error)) return Outcome.Failure;
    if (isRejection(error) || isCancelError(error)) return Outcome.Neutral;
    return Outcome.Success; // the dependency answered, e.g. a 404: healthy enough
  }

  #record(outcome: Outcome, trial: number, call: CallContext): void {
    if (trial === -1) {
      // A call admitted while closed that ends after the circuit opened says nothing new.
      if (this.#state !== CircuitState.Closed || outcome === Outcome.Neutral) return;
      const { breaker } = this.options;
      if (outcome === Outcome.Success) {
        breaker.success(CircuitState.Closed);
        return;
      }
      this.options.markSlow(outcome === Outcome.Slow);
      if (breaker.failure(CircuitState.Closed)) this.#open(call);
      return;
    }
    if (trial !== this.#epoch || this.#state !== CircuitState.HalfOpen) return;
    if (outcome === Outcome.Neutral) {
      this.#trialsAdmitted--; // its slot goes to the next caller
      return;
    }
    // A slow trial succeeded: a success for the failure ratio, and a slow call for the slow-call ratio.
    if (outcome === Outcome.Failure) this.#trialFailures++;
    else this.#trialSuccesses++;
    if (outcome === Outcome.Slow) this.#trialSlow++;
    if (this.#trialFailures >= this.options.trialFailuresToOpen || this.#trialSlow >= this.options.trialSlowToOpen) {
      this.options.markSlow(outcome === Outcome.Slow);
      this.options.breaker.failure(CircuitState.HalfOpen);
      this.#open(call);
    } else if (this.#trialSuccesses + this.#trialFailures >= this.options.halfOpenTrials) {
      this.options.breaker.success(CircuitState.HalfOpen); // breakers start afresh after a half-open success
      this.#transition(CircuitState.Closed, call);
      this.resetEmitter.emit();
    }
  }

  #open(call: CallContext): void {
    this.#openedAt = this.options.clock.now();
    this.#transition(CircuitState.Open, call);
    this.breakEmitter.emit();
  }

  #transition(state: CircuitState, call: CallContext): void {
    this.#state = state;
    publishResilience(resilienceChannels.breaker, () => ({ state: STATE_NAMES[state], call }));
    this.#epoch++;
    this.#trialsAdmitted = 0;
    this.#trialSuccesses = 0;
    this.#trialFailures = 0;
    this.#trialSlow = 0;
  }

  #refusal(call: CallContext): ResilienceError {
    this.rejectedEmitter.emit();
    publishResilience(resilienceChannels.rejected, () => ({ policy: "circuit-breaker", call }));
    const why =
      this.#state === CircuitState.HalfOpen
        ? `half-open: its ${this.options.halfOpenTrials} trial call(s) are running; retry after their verdict`
        : "the dependency has been failing; calls are refused until a half-open trial succeeds";
    return new ResilienceError("RESILIENCE_CIRCUIT_OPEN", `circuit open: ${why}`);
  }
}
