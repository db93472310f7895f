import { attemptContext, neverAborted, signalOf, unknownCall } from "@outrigger/core";
import type { AttemptContext, Policy } from "./policy.js";

export { neverAborted } from "@outrigger/core";

/** The policy that just runs the call once; what an empty composition is. */
export const passThrough: Policy = {
  execute: async (fn, signal, call) => fn(attemptContext(call ?? unknownCall, signal ?? neverAborted, 0)),
};

/**
 * Composes policies into one; the first is outermost (cockatiel's `wrap` order). Each inner policy receives the
 * outer one's attempt context (signal and call), so cancelling the outermost call cancels every attempt and every
 * layer reads the same method, idempotency and tried instances.
 */
export function composePolicies(...policies: readonly Policy[]): Policy {
  let composed = policies.at(-1) ?? passThrough;
  for (let i = policies.length - 2; i >= 0; i--) {
    const outer = policies[i] as Policy;
    const inner = composed;
    composed = {
      execute: (fn, signal, call) =>
        outer.execute(
          // A cockatiel policy hands on only `{ signal, attempt }`: then the call declared to the outermost is kept.
          (context: AttemptContext) => inner.execute(fn, signalOf(context), context.tried ? context : call),
          signal,
          call,
        ),
    };
  }
  return composed;
}
