import type { Clock } from "@outrigger/core";

/**
 * A token bucket on an injected monotonic clock: refills `perSecond` tokens a second up to `burst`; each admitted
 * request takes one. `take()` answers 0 (admitted) or the ms until the next token, which becomes `Retry-After`.
 * (resilience's `createRateLimiter` is a fixed window on rate-limiter-flexible: no burst, whole-second windows and
 * `Date.now()` inside, so neither `burst` nor a fake clock could drive it.)
 */
export class TokenBucket {
  #perMs: number;
  #burst: number;
  #tokens: number;
  #at: number;

  constructor(
    perSecond: number,
    burst: number,
    private readonly clock: Clock,
  ) {
    this.#perMs = perSecond / 1_000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = clock.now();
  }

  /** Takes one token: 0 when admitted, else the wait in ms until one is available (nothing is taken). */
  take(): number {
    this.#refill();
    // The epsilon absorbs float error: 10 × 0.1 tokens is 0.9999999999999999, and that token is owed.
    if (this.#tokens >= 1 - 1e-9) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return 0;
    }
    return (1 - this.#tokens) / this.#perMs;
  }

  /**
   * New rate and burst, live. Tokens earned so far are kept (capped at the new burst), so a config reload neither
   * hands out a fresh burst nor takes away what was earned.
   */
  reconfigure(perSecond: number, burst: number): void {
    this.#refill();
    this.#perMs = perSecond / 1_000;
    this.#burst = burst;
    this.#tokens = Math.min(this.#tokens, burst);
  }

  #refill(): void {
    const now = this.clock.now();
    // max(0, …): a clock that is not monotonic after all must not drain the bucket.
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = now;
  }
}
