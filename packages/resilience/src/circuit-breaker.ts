import type { Event } from "@outrigger/core";
import { type Clock, monotonicClock } from "@outrigger/core";
import { CircuitState, ConsecutiveBreaker, type IBreaker } from "cockatiel";
import { Circuit } from "./circuit.js";
import { isCancelError, isRejection, ResilienceError, requireInteger, requireNumber } from "./errors.js";
import { FreshSamplingBreaker } from "./fresh-sampling-breaker.js";
import { GUARD, type Guard } from "./guard.js";
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
  /** How long the circuit stays open before trial calls are let through (half-open). */
  readonly halfOpenAfterMs: number;
  /**
   * Calls let through at once while half-open (resilience4j's permittedNumberOfCallsInHalfOpenState; default 1);
   * further callers are refused at once. All must succeed to close, or fewer than the mode's failure ratio fail.
   */
  readonly halfOpenTrials?: number;
  /**
   * Longest the circuit stays half-open waiting for its trials' verdict (resilience4j's
   * maxWaitDurationInHalfOpenState; default `halfOpenAfterMs`, at least 1 ms): trials still running then count as
   * failed and the circuit opens again. resilience4j waits for ever by default, and a trial that never settles kept
   * its circuit half-open, refusing every caller (resilience4j/resilience4j#903, #935).
   */
  readonly maxHalfOpenMs?: number;
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
  if (isCancelError(error)) return false;
  const status = statusOf(error);
  return status === undefined || status >= 500 || status === 408 || status === 429;
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
      if (mode.minimumRps !== undefined) requireNumber("mode.minimumRps", mode.minimumRps, 0);
      return mode;
    default:
      throw new ResilienceError(
        "RESILIENCE_INVALID_OPTION",
        `mode.kind must be "consecutive", "count" or "sampling", got ${JSON.stringify((mode as { kind?: unknown })?.kind)}`,
      );
  }
}

/**
 * Failed half-open trials that open the circuit again: any one for the consecutive breaker (as Hystrix and
 * cockatiel), otherwise the mode's failure ratio of the trials (as resilience4j judges its permitted calls).
 */
function trialFailuresToOpen(mode: BreakerMode, trials: number): number {
  return mode.kind === "consecutive" ? 1 : Math.max(1, Math.ceil(mode.failureRatio * trials));
}

/** Slow half-open trials that open the circuit again: the count mode's slow-call ratio of the trials, if it has one. */
function trialSlowToOpen(mode: BreakerMode, trials: number): number {
  if (mode.kind !== "count" || mode.slowCallMs === undefined) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.ceil((mode.slowCallRatio ?? 1) * trials));
}

/**
 * A circuit breaker judged by cockatiel's `IBreaker` strategies: stops calling a dependency that keeps failing,
 * rejects at once with RESILIENCE_CIRCUIT_OPEN while open, and after `halfOpenAfterMs` lets `halfOpenTrials`
 * calls decide between closing and opening again.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const mode = validMode(options.mode);
  const halfOpenAfterMs = requireNumber("halfOpenAfterMs", options.halfOpenAfterMs, 0);
  const halfOpenTrials = requireInteger("halfOpenTrials", options.halfOpenTrials ?? 1, 1);
  const maxHalfOpenMs = requireNumber("maxHalfOpenMs", options.maxHalfOpenMs ?? Math.max(halfOpenAfterMs, 1), 1);
  const clock = options.clock ?? monotonicClock;
  let lastFailureWasSlow = false;
  const breaker: IBreaker =
    mode.kind === "consecutive"
      ? new ConsecutiveBreaker(mode.threshold)
      : mode.kind === "count"
        ? new WindowBreaker(mode, () => lastFailureWasSlow)
        : new FreshSamplingBreaker({ ...mode, clock });
  const slowCallMs = mode.kind === "count" ? mode.slowCallMs : undefined;
  const circuit = new Circuit({
    breaker,
    halfOpenAfterMs,
    halfOpenTrials,
    maxHalfOpenMs,
    trialFailuresToOpen: trialFailuresToOpen(mode, halfOpenTrials),
    trialSlowToOpen: trialSlowToOpen(mode, halfOpenTrials),
    failOn: options.failOn ?? isDependencyFailure,
    slowCallMs,
    markSlow: (slow) => {
      lastFailureWasSlow = slow;
    },
    clock,
  });
  // Without a slow-call threshold the circuit acts only at a call's start and settlement: a guard (guard.ts).
  const guard: Guard | undefined =
    slowCallMs === undefined
      ? {
          enter: (_signal, call) => circuit.enter(call),
          leave: (t, failed, outcome, call, signal) => circuit.leave(t, failed, outcome, call, signal),
        }
      : undefined;
  return {
    ...(guard && { [GUARD]: guard }),
    execute: (fn, signal, call) => circuit.execute(fn, signal, call),
    get state() {
      return circuit.state;
    },
    onBreak: circuit.breakEmitter.event,
    onHalfOpen: circuit.halfOpenEmitter.event,
    onReset: circuit.resetEmitter.event,
    onRejected: circuit.rejectedEmitter.event,
  };
}
