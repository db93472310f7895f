import type { AttemptContext, Policy } from "./policy.js";

/** A signal that never aborts, for calls made without one. */
export const neverAborted: AbortSignal = new AbortController().signal;

/** The policy that just runs the call; what an empty composition is. */
export const passThrough: Policy = { execute: async (fn, signal) => fn({ signal: signal ?? neverAborted }) };

/**
 * Composes policies into one; the first is outermost (cockatiel's `wrap` order). Each inner policy receives the
 * outer one's signal, so cancelling the outermost call cancels every attempt.
 */
export function composePolicies(...policies: readonly Policy[]): Policy {
  let composed = policies.at(-1) ?? passThrough;
  for (let i = policies.length - 2; i >= 0; i--) {
    const outer = policies[i] as Policy;
    const inner = composed;
    composed = {
      execute: (fn, signal) => outer.execute((context: AttemptContext) => inner.execute(fn, context.signal), signal),
    };
  }
  return composed;
}
