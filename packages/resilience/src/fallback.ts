import { attemptContext, type Event, EventSource, unknownCall } from "@outrigger/core";
import { neverAborted } from "./compose.js";
import type { CallContext, Policy } from "./policy.js";

/** Settings of a fallback. */
export interface FallbackOptions<R> {
  /** The answer to give instead of the failure: a value or a function of the error. */
  readonly value: R | ((error: unknown) => R | PromiseLike<R>);
  /** Which failures to replace; default all. */
  readonly when?: (error: unknown) => boolean;
}

/** A fallback and its typed event. */
export interface Fallback extends Policy {
  readonly onFallback: Event<{ readonly error: unknown }>;
}

/**
 * Answers with a fallback value when the call fails (e.g. a cached or default answer). Cockatiel's fallback does
 * not hand the error to the factory, which callers need to choose a degraded answer, hence this small policy.
 */
export function createFallbackPolicy<R>(options: FallbackOptions<R>): Fallback {
  const emitter = new EventSource<{ readonly error: unknown }>();
  const { value, when } = options;
  return {
    execute: async <T>(fn: Parameters<Policy["execute"]>[0], signal?: AbortSignal, call?: CallContext): Promise<T> => {
      try {
        return (await fn(attemptContext(call ?? unknownCall, signal ?? neverAborted, 0))) as T;
      } catch (error) {
        if (when && !when(error)) throw error;
        emitter.emit({ error });
        return (typeof value === "function" ? await (value as (e: unknown) => R)(error) : value) as unknown as T;
      }
    },
    onFallback: emitter.event,
  };
}
