import type { CallContext } from "@outrigger/core";

/**
 * What wraps the attempts of one request: `@outrigger/resilience` policies and cockatiel's have this shape. The
 * client passes the call's context (method, idempotency, replayable body, deadline, instances tried) as the third
 * argument, which resilience policies read; each call of `fn` runs the client's own attempts, and the balancer
 * picks again inside, so a retry reaches another instance. Shared by the axios client and the undici dispatcher.
 */
export interface AttemptPolicy {
  execute<T>(
    fn: (context: { readonly signal: AbortSignal }) => PromiseLike<T> | T,
    signal?: AbortSignal,
    call?: CallContext,
  ): Promise<T>;
}
