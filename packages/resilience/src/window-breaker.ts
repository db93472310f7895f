import { CircuitState, type IBreaker } from "cockatiel";

/** Settings of a count-window breaker (resilience4j's COUNT_BASED sliding window). */
export interface WindowBreakerOptions {
  /** The last `size` calls are judged. */
  readonly size: number;
  /** Open when failures / calls ≥ this (0–1]. */
  readonly failureRatio: number;
  /** Open when slow calls / calls ≥ this (0–1]; default 1, i.e. only when every call is slow. */
  readonly slowCallRatio?: number;
  /** No verdict before this many calls (at most `size`), so one failure of the first call does not open the circuit. */
  readonly minimumCalls: number;
}

const OK = 0;
const FAILED = 1;
const SLOW = 2;

/**
 * Cockatiel `IBreaker` over the last N calls that judges both failure ratio and slow-call ratio. Cockatiel's own
 * CountBreaker has no notion of a slow call, so the circuit policy reports slow successes as failures and
 * `isSlow()` tells this breaker which failure was really a slow success.
 */
export class WindowBreaker implements IBreaker {
  readonly #outcomes: Uint8Array;
  /**
   * `minimumCalls`, capped at `size`: the window never holds more than `size` calls, so a larger minimum would keep
   * the circuit closed for ever. resilience4j caps it the same way (CircuitBreakerMetrics:
   * `Math.min(minimumNumberOfCalls, slidingWindowSize)`; resilience4j/resilience4j#1349).
   */
  readonly #minimumCalls: number;
  #next = 0;
  #count = 0;
  #failures = 0;
  #slow = 0;

  constructor(
    private readonly options: WindowBreakerOptions,
    private readonly isSlow: () => boolean,
  ) {
    this.#outcomes = new Uint8Array(options.size);
    this.#minimumCalls = Math.min(options.minimumCalls, options.size);
  }

  get state(): unknown {
    return { outcomes: [...this.#outcomes], next: this.#next, count: this.#count };
  }

  set state(value: unknown) {
    const { outcomes, next, count } = value as { outcomes: number[]; next: number; count: number };
    this.#reset();
    this.#outcomes.set(outcomes.slice(0, this.#outcomes.length));
    this.#next = next;
    this.#count = count;
    for (let i = 0; i < count; i++) this.#tally(this.#outcomes[i] ?? OK, 1);
  }

  success(state: CircuitState): void {
    if (state === CircuitState.HalfOpen) this.#reset();
    this.#push(OK);
  }

  failure(state: CircuitState): boolean {
    this.#push(this.isSlow() ? SLOW : FAILED);
    if (state !== CircuitState.Closed) return true;
    if (this.#count < this.#minimumCalls) return false;
    return (
      this.#failures >= this.options.failureRatio * this.#count ||
      this.#slow >= (this.options.slowCallRatio ?? 1) * this.#count
    );
  }

  #push(outcome: number): void {
    if (this.#count === this.#outcomes.length) this.#tally(this.#outcomes[this.#next] ?? OK, -1);
    else this.#count++;
    this.#outcomes[this.#next] = outcome;
    this.#tally(outcome, 1);
    this.#next = (this.#next + 1) % this.#outcomes.length;
  }

  #tally(outcome: number, by: number): void {
    if (outcome === FAILED) this.#failures += by;
    else if (outcome === SLOW) this.#slow += by;
  }

  #reset(): void {
    this.#outcomes.fill(OK);
    this.#next = 0;
    this.#count = 0;
    this.#failures = 0;
    this.#slow = 0;
  }
}
