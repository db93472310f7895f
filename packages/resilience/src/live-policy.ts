import type { Clock } from "@outrigger/core";
import { type Event, EventSource, RUN_INTO, runOn, type Settles, type SinkTask } from "@outrigger/core";
import type { Redis } from "ioredis";
import { type AdaptiveLimit, createAdaptiveLimitPolicy } from "./adaptive-limit.js";
import { type Bulkhead, createBulkheadPolicy } from "./bulkhead.js";
import { type BreakerMode, type CircuitBreaker, createCircuitBreaker } from "./circuit-breaker.js";
import { composePolicies } from "./compose.js";
import { isResilienceError, ResilienceError } from "./errors.js";
import { createFallbackPolicy } from "./fallback.js";
import { createHedgePolicy, type Hedge, type HedgeEvent } from "./hedge.js";
import type { CallContext, Policy } from "./policy.js";
import { createRateLimitPolicy, type RateLimit } from "./rate-limit-policy.js";
import { createRateLimiter } from "./rate-limiter.js";
import { createRetryPolicy } from "./retry.js";
import { RetryBudgets } from "./retry-budget.js";
import { type PolicySpec, validateSpec } from "./spec.js";
import { createTimeoutPolicy } from "./timeout.js";

/** Settings of a live policy. */
export interface LivePolicyOptions {
  /** The target service; names its retry budget (default "default"). */
  readonly service?: string;
  /** Where budgets are shared; pass the same instance to every LivePolicy of a process. */
  readonly budgets?: RetryBudgets;
  readonly clock?: Clock;
  /** Share the spec's `rateLimit` among processes through this Redis client; without it the limit is per process. */
  readonly redis?: Redis;
}

/** Which policy refused a call. */
export interface RejectedEvent {
  readonly policy: "circuitBreaker" | "bulkhead" | "adaptiveLimit" | "rateLimit";
}

type Stateful = CircuitBreaker | Bulkhead | AdaptiveLimit | Hedge | RateLimit;

/** Canonical JSON (sorted keys), so `{a,b}` and `{b,a}` are the same settings. */
function canonical(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

function breakerMode(spec: NonNullable<PolicySpec["circuitBreaker"]>): BreakerMode {
  const { kind, halfOpenAfterMs: _after, halfOpenTrials: _trials, ...rest } = spec;
  return { kind, ...rest } as BreakerMode;
}

/**
 * A pipeline built from a `PolicySpec` that can be replaced while it serves. `apply(spec)` validates first (a bad
 * spec throws and the running pipeline stays), then swaps one reference: calls already running finish on the
 * pipeline they started with, new calls take the new one. Stateful parts whose settings did not change — a
 * breaker's counts and state, a bulkhead's occupancy, an adaptive limit, hedge latencies — are carried over.
 * Events are re-published here, so listeners survive swaps.
 */
export class LivePolicy implements Policy {
  readonly #budgets: RetryBudgets;
  readonly #service: string;
  readonly #clock: Clock | undefined;
  readonly #redis: Redis | undefined;
  #stateful = new Map<string, Stateful>();
  #current: Policy;
  #spec: PolicySpec;

  readonly #retry = new EventSource<{ readonly attempt: number; readonly delay: number }>();
  readonly #giveUp = new EventSource<unknown>();
  readonly #budgetExhausted = new EventSource<void>();
  readonly #break = new EventSource<void>();
  readonly #halfOpen = new EventSource<void>();
  readonly #reset = new EventSource<void>();
  readonly #rejected = new EventSource<RejectedEvent>();
  readonly #hedge = new EventSource<HedgeEvent>();
  readonly #timeout = new EventSource<{ readonly scope: "attempt" | "total" }>();
  readonly #fallback = new EventSource<{ readonly error: unknown }>();
  readonly #applied = new EventSource<{ readonly spec: PolicySpec; readonly kept: readonly string[] }>();

  readonly onRetry: Event<{ readonly attempt: number; readonly delay: number }> = this.#retry.event;
  readonly onGiveUp: Event<unknown> = this.#giveUp.event;
  readonly onBudgetExhausted: Event<void> = this.#budgetExhausted.event;
  readonly onBreak: Event<void> = this.#break.event;
  readonly onHalfOpen: Event<void> = this.#halfOpen.event;
  readonly onReset: Event<void> = this.#reset.event;
  readonly onRejected: Event<RejectedEvent> = this.#rejected.event;
  readonly onHedge: Event<HedgeEvent> = this.#hedge.event;
  readonly onTimeout: Event<{ readonly scope: "attempt" | "total" }> = this.#timeout.event;
  readonly onFallback: Event<{ readonly error: unknown }> = this.#fallback.event;
  /** A new spec took effect; `kept` names the stateful parts carried over. */
  readonly onApplied: Event<{ readonly spec: PolicySpec; readonly kept: readonly string[] }> = this.#applied.event;

  constructor(spec: unknown, options: LivePolicyOptions = {}) {
    this.#budgets = options.budgets ?? new RetryBudgets({ ...(options.clock ? { clock: options.clock } : {}) });
    this.#service = options.service ?? "default";
    this.#clock = options.clock;
    this.#redis = options.redis;
    this.#spec = validateSpec(spec);
    this.#current = this.#buildChecked(this.#spec).policy;
  }

  /** The spec in force. */
  get spec(): PolicySpec {
    return this.#spec;
  }

  /** The current breaker, if the spec has one (to read its state). */
  get circuitBreaker(): CircuitBreaker | undefined {
    return [...this.#stateful.entries()].find(([k]) => k.startsWith("circuitBreaker:"))?.[1] as CircuitBreaker;
  }

  execute<T>(fn: Parameters<Policy["execute"]>[0], signal?: AbortSignal, call?: CallContext): Promise<T> {
    return this.#current.execute(fn, signal, call) as Promise<T>;
  }

  /** The pipeline in force's promise-free path (core's sink.ts), or its `execute`. */
  [RUN_INTO]<T>(task: SinkTask<T>, sink: Settles<T>, signal: AbortSignal | undefined, call: CallContext | undefined) {
    runOn(this.#current, task, sink, signal, call);
  }

  /** Validates and swaps in `spec`; throws RESILIENCE_INVALID_SPEC and keeps the running pipeline on bad input. */
  apply(spec: unknown): void {
    const valid = validateSpec(spec);
    const { policy, kept } = this.#buildChecked(valid);
    this.#spec = valid;
    this.#current = policy;
    this.#applied.emit({ spec: valid, kept });
  }

  /** Builds, reporting a setting the parts refuse (e.g. maxDelayMs below initialDelayMs) as a spec error. */
  #buildChecked(spec: PolicySpec): { policy: Policy; kept: string[] } {
    try {
      return this.#build(spec);
    } catch (error) {
      if (!isResilienceError(error)) throw error;
      throw new ResilienceError("RESILIENCE_INVALID_SPEC", `invalid policy spec: ${error.message}`, { cause: error });
    }
  }

  #build(spec: PolicySpec): { policy: Policy; kept: string[] } {
    const previous = this.#stateful;
    const next = new Map<string, Stateful>();
    const kept: string[] = [];
    const reuse = <P extends Stateful>(name: string, settings: unknown, make: () => P): P => {
      const key = `${name}:${canonical(settings)}`;
      const old = previous.get(key) as P | undefined;
      if (old) kept.push(name);
      const part = old ?? make();
      next.set(key, part);
      return part;
    };
    const clock = this.#clock ? { clock: this.#clock } : {};
    const budget = spec.retry?.budget === false ? undefined : this.#budgets.for(this.#service);
    const parts: Policy[] = [];

    if (spec.fallback) {
      const fallback = createFallbackPolicy({ value: spec.fallback.value });
      fallback.onFallback((e) => this.#fallback.emit(e));
      parts.push(fallback);
    }
    if (spec.timeout?.totalMs !== undefined) parts.push(this.#timeoutPart(spec.timeout.totalMs, "total"));
    if (spec.retry) {
      const { budget: _useBudget, ...retrySettings } = spec.retry;
      const retry = createRetryPolicy({ ...retrySettings, ...(budget ? { budget } : {}) });
      retry.onRetry((e) => this.#retry.emit({ attempt: e.attempt, delay: e.delay }));
      retry.onGiveUp((e) => this.#giveUp.emit(e));
      retry.onBudgetExhausted(() => this.#budgetExhausted.emit());
      parts.push(retry);
    }
    if (spec.hedge) {
      const settings = spec.hedge;
      // The budget wiring is part of what a kept hedge must match: a hedge built without a retry section deposits
      // each call and one built with `retry.budget: false` withdraws from nothing; kept across such a change it went
      // on depositing beside the retry (twice the budget) or spending a budget the spec turned off.
      const wiring = { budgeted: budget !== undefined, deposits: !spec.retry };
      parts.push(
        reuse("hedge", { ...settings, ...wiring }, () => {
          const hedge = createHedgePolicy({
            ...settings,
            ...clock,
            ...(budget ? { budget, depositRequests: !spec.retry } : {}),
          });
          hedge.onHedge((e) => this.#hedge.emit(e));
          hedge.onBudgetExhausted(() => this.#budgetExhausted.emit());
          return hedge;
        }),
      );
    }
    if (spec.circuitBreaker) {
      const settings = spec.circuitBreaker;
      parts.push(
        reuse("circuitBreaker", settings, () => {
          const breaker = createCircuitBreaker({
            mode: breakerMode(settings),
            halfOpenAfterMs: settings.halfOpenAfterMs,
            ...(settings.halfOpenTrials === undefined ? {} : { halfOpenTrials: settings.halfOpenTrials }),
            ...clock,
          });
          breaker.onBreak(() => this.#break.emit());
          breaker.onHalfOpen(() => this.#halfOpen.emit());
          breaker.onReset(() => this.#reset.emit());
          breaker.onRejected(() => this.#rejected.emit({ policy: "circuitBreaker" }));
          return breaker;
        }),
      );
    }
    if (spec.adaptiveLimit) {
      const settings = spec.adaptiveLimit;
      parts.push(
        reuse("adaptiveLimit", settings, () => {
          const limit = createAdaptiveLimitPolicy({ ...settings, ...clock });
          limit.onRejected(() => this.#rejected.emit({ policy: "adaptiveLimit" }));
          return limit;
        }),
      );
    }
    if (spec.bulkhead) {
      const settings = spec.bulkhead;
      parts.push(
        reuse("bulkhead", settings, () => {
          const bulkhead = createBulkheadPolicy(settings);
          bulkhead.onRejected(() => this.#rejected.emit({ policy: "bulkhead" }));
          return bulkhead;
        }),
      );
    }
    if (spec.rateLimit) {
      const settings = spec.rateLimit;
      parts.push(
        reuse("rateLimit", settings, () => {
          const limiter = createRateLimiter({
            ...settings,
            keyPrefix: "outrigger-rl",
            ...(this.#redis ? { redis: this.#redis } : {}),
          });
          const limit = createRateLimitPolicy({ limiter, key: this.#service });
          limit.onRejected(() => this.#rejected.emit({ policy: "rateLimit" }));
          return limit;
        }),
      );
    }
    if (spec.timeout?.perTryMs !== undefined) parts.push(this.#timeoutPart(spec.timeout.perTryMs, "attempt"));
    this.#stateful = next;
    return { policy: composePolicies(...parts), kept };
  }

  #timeoutPart(ms: number, scope: "attempt" | "total"): Policy {
    const timeout = createTimeoutPolicy({ ms, scope });
    timeout.onTimeout(() => this.#timeout.emit({ scope }));
    return timeout;
  }
}
