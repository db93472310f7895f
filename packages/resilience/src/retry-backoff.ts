import {
  decorrelatedJitterGenerator,
  ExponentialBackoff,
  fullJitterGenerator,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from "cockatiel";
import { retryAfterMsOf } from "./retryable.js";

/** How retry delays grow: exponential with full jitter, or AWS' decorrelated jitter (Polly's formula). */
export type BackoffKind = "exponential" | "decorrelated-jitter";

/** Settings of `RetryAfterBackoff`. */
export interface BackoffOptions {
  readonly kind: BackoffKind;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A server's Retry-After is honoured up to this long (default 30 s); beyond that we give up instead. */
  readonly maxRetryAfterMs: number;
}

type Context = IRetryBackoffContext<unknown>;

/**
 * Cockatiel's exponential backoff, stretched to at least the server's `Retry-After` (429/503) when it gave one:
 * retrying earlier than asked is wasted work and can get the client banned.
 */
export class RetryAfterBackoff implements IBackoffFactory<Context> {
  readonly #inner: IBackoffFactory<Context>;
  constructor(private readonly options: BackoffOptions) {
    this.#inner = new ExponentialBackoff<unknown>({
      initialDelay: options.initialDelayMs,
      maxDelay: options.maxDelayMs,
      // biome-ignore lint/suspicious/noExplicitAny: cockatiel types each generator by its own state shape.
      generator: (options.kind === "decorrelated-jitter" ? decorrelatedJitterGenerator : fullJitterGenerator) as any,
    });
  }

  next(context: Context): IBackoff<Context> {
    return this.#wrap(this.#inner.next(context), context);
  }

  #wrap(base: IBackoff<Context>, context: Context): IBackoff<Context> {
    const hinted = "error" in context.result ? retryAfterMsOf(context.result.error) : undefined;
    const duration =
      hinted === undefined ? base.duration : Math.max(base.duration, Math.min(hinted, this.options.maxRetryAfterMs));
    return { duration, next: (next) => this.#wrap(base.next(next), next) };
  }
}
