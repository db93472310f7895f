import { channel } from "node:diagnostics_channel";
import { type CallContext, callOf } from "@outrigger/core";

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
 * carries the context of the call the policy acted in, so a subscriber can put the decision on that call's span.
 * Publishing costs a `hasSubscribers` check when nobody listens.
 */
export const resilienceChannels = {
  breaker: channel("outrigger:resilience:breaker"),
  rejected: channel("outrigger:resilience:rejected"),
  hedge: channel("outrigger:resilience:hedge"),
  budgetExhausted: channel("outrigger:resilience:budget-exhausted"),
} as const;

/**
 * Publishes the message `make` builds on `ch`, building it only when someone listens. The message names the call
 * (`callOf`), not the attempt a policy inside a retry was handed, so subscribers find the call they saw start.
 */
export function publishResilience<T extends { readonly call: CallContext }>(
  ch: (typeof resilienceChannels)[keyof typeof resilienceChannels],
  make: () => T,
): void {
  if (!ch.hasSubscribers) return;
  const message = make();
  ch.publish({ ...message, call: callOf(message.call) });
}
