import type { AttemptContext, CallContext } from "@outrigger/core";

export type { AttemptContext, CallContext } from "@outrigger/core";

/**
 * The one shape every policy has (cockatiel's `execute(fn, signal)`), with the call's context as an optional third
 * argument: method, idempotency, replayable body, deadline, instances tried. Each attempt of `fn` receives it
 * together with its own `signal` and `attempt` number, so retries and hedges decide from what the call declared,
 * never from ambient state. Without a `call`, a call is taken as undeclared: not idempotent, body replayable.
 * Policies compose with `composePolicies`, first outermost.
 */
export interface Policy {
  execute<T>(fn: (context: AttemptContext) => PromiseLike<T> | T, signal?: AbortSignal, call?: CallContext): Promise<T>;
}
