import {
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  type Event,
  EventEmitter,
  handleWhen,
  type IBreaker,
  isBrokenCircuitError,
} from "cockatiel";
import { type Clock, systemClock } from "./clock.js";
import { isRejection, ResilienceError, requireInteger, requireNumber } from "./errors.js";
import { FreshSamplingBreaker } from "./fresh-sampling-breaker.js";
import type { Policy } from "./policy.js";
import { statusOf } from "./retryable.js";
import { WindowBreaker } from "./window-breaker.js";

/** How the breaker judges health. */
export type BreakerMode =
  /** Open after `threshold` failures in a row. */
  | { readonly kind: "consecutive"; readonly threshold: number }
  /** Open when the failure or slow-call ratio of the last `size` calls crosses its threshold. */
  | {
      readonly kind: "count";
      readonly size: number;
      readonly failureRatio: number;
      readonly minimumCalls: number;
      readonly slowCallMs?: number;
      readonly slowCallRatio?: number;
    }
  /** Open when the failure ratio over the last `durationMs` crosses `failureRatio` (time window). */
  | {
      readonly kind: "sampling";
      readonly durationMs: number;
      readonly failureRatio: number;
      readonly minimumRps?: number;
    };

/** Settings of a circuit breaker. */
export interface CircuitBreakerOptions {
  readonly mode: BreakerMode;
  /** How long the circuit stays open before one trial call is let through (half-open). */
  readonly halfOpenAfterMs: number;
  /** Which errors count as failures; default: all but rejections, caller cancellations and 4xx other than 408/429. */
  readonly failOn?: (error: unknown) => boolean;
  readonly clock?: Clock;
}

/** Circuit states, as cockatiel names them. */
export { CircuitState };

/** A circuit breaker and its typed events. */
export interface CircuitBreaker extends Policy {
  readonly state: CircuitState;
  readonly onBreak: Event<void>;
  readonly onHalfOpen: Event<void>;
  readonly onReset: Event<void>;
  /** A call was refused because the circuit is open. */
  readonly onRejected: Event<void>;
}

/** The default failure test: the dependency misbehaved, not the caller or another policy. */
export function isDependencyFailure(error: unknown): boolean {
  if (isRejection(error)) return false;
  if ((error as { name?: unknown } | null)?.name === "AbortError") return false;
  const status = statusOf(error);
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

/** Marks a success that took longer than `slowCallMs`, so the breaker can count it. */
class SlowSuccess {
  constructor(readonly value: unknown) {}
}

function validMode(mode: BreakerMode): BreakerMode {
  switch (mode?.kind) {
    case "consecutive":
      requireInteger("mode.threshold", mode.threshold, 1);
      return mode;
    case "count":
      requireInteger("mode.size", mode.size, 1);
      requireNumber("mode.failureRatio", mode.failureRatio, 0.001, 1);
      requireInteger("mode.minimumCalls", mode.minimumCalls, 1);
      if (mode.slowCallMs !== undefined) requireNumber("mode.slowCallMs", mode.slowCallMs, 1);
      if (mode.slowCallRatio !== undefined) requireNumber("mode.slowCallRatio", mode.slowCallRatio, 0.001, 1);
      return mode;
    case "sampling":
      requireNumber("mode.durationMs", mode.durationMs, 1);
      requireNumber("mode.failureRatio", mode.failureRatio, 0.001, 0.999);
      return mode;
    default:
      throw new ResilienceError(
        "RESILIENCE_INVALID_OPTION",
        `mode.kind must be "consecutive", "count" or "sampling", got ${JSON.stringify((mode as { kind?: unknown })?.kind)}`,
      );
  }
}

/**
 * A circuit breaker on cockatiel's: stops calling a dependency that keeps failing, rejects at once with
 * RESILIENCE_CIRCUIT_OPEN while open, and after `halfOpenAfterMs` lets one trial call decide between closing and
 * opening again (cockatiel's half-open admits one trial at a time; others wait for its verdict).
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const mode = validMode(options.mode);
  const halfOpenAfterMs = requireNumber("halfOpenAfterMs", options.halfOpenAfterMs, 0);
  const clock = options.clock ?? systemClock;
  const failOn = options.failOn ?? isDependencyFailure;
  const slowCallMs = mode.kind === "count" ? mode.slowCallMs : undefined;
  let policy: CircuitBreakerPolicy | undefined;
  const isSlow = () => {
    const last = policy?.lastFailure;
    return last !== undefined && "value" in last && last.value instanceof SlowSuccess;
  };
  const breaker: IBreaker =
    mode.kind === "consecutive"
      ? new ConsecutiveBreaker(mode.threshold)
      : mode.kind === "count"
        ? new WindowBreaker(mode, isSlow)
        : new FreshSamplingBreaker({ ...mode, clock });
  const handled = handleWhen((error) => failOn(error)).orWhenResult((result) => result instanceof SlowSuccess);
  policy = circuitBreaker(handled, { halfOpenAfter: halfOpenAfterMs, breaker });
  const cockatiel = policy;
  const rejected = new EventEmitter<void>();

  const refused = (error: unknown): never => {
    if (!isBrokenCircuitError(error)) throw error;
    rejected.emit();
    throw new ResilienceError(
      "RESILIENCE_CIRCUIT_OPEN",
      "circuit open: the dependency has been failing; calls are refused until the half-open trial succeeds",
      { cause: error },
    );
  };

  return {
    // No async/await on the fast path: each extra await is a measurable share of the pipeline's overhead.
    execute: <T>(fn: Parameters<Policy["execute"]>[0], signal?: AbortSignal): Promise<T> => {
      if (slowCallMs === undefined) return (cockatiel.execute(fn, signal) as Promise<T>).catch(refused);
      return cockatiel
        .execute(async (context) => {
          const started = clock.now();
          const value = await fn(context);
          return clock.now() - started > slowCallMs ? new SlowSuccess(value) : value;
        }, signal)
        .then((result) => (result instanceof SlowSuccess ? result.value : result) as T, refused);
    },
    get state() {
      return cockatiel.state;
    },
    onBreak: (listener) => cockatiel.onBreak(() => listener()),
    onHalfOpen: cockatiel.onHalfOpen,
    onReset: cockatiel.onReset,
    onRejected: rejected.addListener,
  };
}
