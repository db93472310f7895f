import { type Clock, type Event, EventSource, monotonicClock } from "@outrigger/core";
import { requireInteger, requireNumber } from "./errors.js";

/** Settings of a retry budget; the defaults are Finagle's and Linkerd's. */
export interface RetryBudgetOptions {
  /** Share of requests that may be retried (default 0.2: retries ≤ 20% of requests). */
  readonly percentCanRetry?: number;
  /** Retries always allowed per second, so low-traffic clients can still retry (default 10). */
  readonly minRetriesPerSec?: number;
  /** How long a deposit or withdrawal counts (default 10 s). */
  readonly ttlMs?: number;
  readonly clock?: Clock;
}

/** Why a retry or hedge was refused. */
export interface BudgetExhaustedEvent {
  readonly balance: number;
}

/** Slots the ttl is cut into: a deposit expires within ttl/SLOTS of its age reaching ttl, as Finagle's WindowedAdder. */
const SLOTS = 10;
/** Integer arithmetic in thousandths of a retry, as Finagle's TokenRetryBudget, so 20% of one request is exact. */
const SCALE = 1000;

/**
 * A retry budget (Finagle's RetryBudget, Linkerd's retryBudget): every request deposits `percentCanRetry`
 * tokens, every retry or hedge withdraws one, deposits and withdrawals expire after `ttlMs`, and a reserve of
 * `minRetriesPerSec × ttl` tokens is always there. Share one per target service so that a failing service cannot
 * be hit by a retry storm: upstream load stays ≤ (1 + percentCanRetry) × requests + the floor.
 */
export class RetryBudget {
  readonly #slots = new Float64Array(SLOTS);
  readonly #slotMs: number;
  readonly #deposit: number;
  readonly #reserve: number;
  readonly #clock: Clock;
  #slot = 0;
  #slotStart: number;
  #sum = 0;
  readonly #exhausted = new EventSource<BudgetExhaustedEvent>();

  /** Fires each time a retry or hedge is refused. */
  readonly onBudgetExhausted: Event<BudgetExhaustedEvent> = this.#exhausted.event;

  constructor(options: RetryBudgetOptions = {}) {
    const percent = requireNumber("percentCanRetry", options.percentCanRetry ?? 0.2, 0, 1);
    const minPerSec = requireNumber("minRetriesPerSec", options.minRetriesPerSec ?? 10, 0);
    const ttlMs = requireInteger("ttlMs", options.ttlMs ?? 10_000, 1_000);
    this.#clock = options.clock ?? monotonicClock;
    this.#slotMs = ttlMs / SLOTS;
    this.#deposit = Math.round(percent * SCALE);
    this.#reserve = Math.round(minPerSec * (ttlMs / 1000) * SCALE);
    this.#slotStart = this.#clock.now();
  }

  /** Records one request (not a retry). */
  deposit(): void {
    this.#add(this.#deposit);
  }

  /** Takes one retry's worth if the balance allows it; false (and `onBudgetExhausted`) otherwise. */
  tryWithdraw(): boolean {
    this.#advance();
    const balance = this.#sum + this.#reserve;
    if (balance >= SCALE) {
      this.#add(-SCALE);
      return true;
    }
    this.#exhausted.emit({ balance: balance / SCALE });
    return false;
  }

  /** Retries currently available. */
  get balance(): number {
    this.#advance();
    return Math.floor((this.#sum + this.#reserve) / SCALE);
  }

  #add(amount: number): void {
    this.#advance();
    this.#slots[this.#slot] = (this.#slots[this.#slot] ?? 0) + amount;
    this.#sum += amount;
  }

  /** Expires the slots that fell out of the ttl since the last call, however long the idle gap was. */
  #advance(): void {
    const now = this.#clock.now();
    const steps = Math.floor((now - this.#slotStart) / this.#slotMs);
    if (steps <= 0) return;
    for (let i = 0; i < Math.min(steps, SLOTS); i++) {
      this.#slot = (this.#slot + 1) % SLOTS;
      this.#sum -= this.#slots[this.#slot] ?? 0;
      this.#slots[this.#slot] = 0;
    }
    this.#slotStart += steps * this.#slotMs;
  }
}

/** One retry budget per target service, created on first use with the same options. */
export class RetryBudgets {
  readonly #budgets = new Map<string, RetryBudget>();
  constructor(private readonly options: RetryBudgetOptions = {}) {}

  /** The budget of `service`. */
  for(service: string): RetryBudget {
    let budget = this.#budgets.get(service);
    if (!budget) {
      budget = new RetryBudget(this.options);
      this.#budgets.set(service, budget);
    }
    return budget;
  }

  /** Retries `service`'s budget allows now, or undefined when it has none yet (reading never creates one). */
  balanceOf(service: string): number | undefined {
    return this.#budgets.get(service)?.balance;
  }
}
