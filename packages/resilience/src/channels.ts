import { channel } from "node:diagnostics_channel";
import type { CallContext } from "@outrigger/core";

/** Message on `outrigger:resilience:breaker`: a circuit changed state, during `call` (the call that decided it). */
export interface BreakerStateMessage {
  readonly state: "closed" | "open" | "half-open";
  readonly call: CallContext;
}
/** Message on `outrigger:resilience:rejected`: a policy refused `call` before any attempt. */
export interface RejectionMessage {
  readonly policy: "circuit-breaker" | "rate-limit";
  readonly call: CallContext;
  /** When the rate limiter says to try again, in ms. */
  readonly retryAfterMs?: number;
}
/** Message on `outrigger:resilience:hedge`: `call` sent hedge number `hedge` (1 for the first) after `afterMs`. */
export interface HedgeMessage {
  readonly hedge: number;
  readonly afterMs: number;
  readonly call: CallContext;
}
/** Message on `outrigger:resilience:budget-exhausted`: a hedge of `call` was due but the retry budget refused it. */
export interface BudgetExhaustedMessage {
  readonly policy: "hedge";
  readonly call: CallContext;
}

/**
 * The resilience policies' `diagnostics_channel` channels, for telemetry (`@outrigger/telemetry`). Each message
 * carries the call context the policy received, so a subscriber can put the decision on that call's span.
 * Publishing costs a `hasSubscribers` check when nobody listens.
 */
export const resilienceChannels = {
  breaker: channel("outrigger:resilience:breaker"),
  rejected: channel("outrigger:resilience:rejected"),
  hedge: channel("outrigger:resilience:hedge"),
  budgetExhausted: channel("outrigger:resilience:budget-exhausted"),
} as const;

/** Publishes the message `make` builds on `ch`, building it only when someone listens. */
export function publishResilience<T>(
  ch: (typeof resilienceChannels)[keyof typeof resilienceChannels],
  make: () => T,
): void {
  if (ch.hasSubscribers) ch.publish(make());
}
