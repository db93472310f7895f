import {
  attemptContext,
  executeVia,
  neverAborted,
  RUN_INTO,
  type RunsInto,
  runnerOf,
  runOn,
  signalOf,
  unknownCall,
} from "@outrigger/core";
import { fuseGuards, guardOf } from "./guard.js";
import type { AttemptContext, CallContext, Policy } from "./policy.js";

export { neverAborted } from "@outrigger/core";

/** The policy that just runs the call once; what an empty composition is. */
export const passThrough: Policy = {
  execute: async (fn, signal, call) => fn(attemptContext(call ?? unknownCall, signal ?? neverAborted, 0)),
};

/**
 * Composes policies into one; the first is outermost (cockatiel's `wrap` order). Each inner policy receives the
 * outer one's attempt context (signal and call), so cancelling the outermost call cancels every attempt and every
 * layer reads the same method, idempotency and tried instances. Adjacent guards (this package's breaker and
 * bulkhead; a lone one too, among other layers) run with one settle step between them (`fuseGuards`): the same
 * admissions, refusals and records in the same order, without a promise and a closure per guard per call.
 */
export function composePolicies(...policies: readonly Policy[]): Policy {
  /** The composition of the policies after index `i`; undefined inside the innermost. */
  let inner: Policy | undefined;
  let i = policies.length - 1;
  while (i >= 0) {
    let start = i;
    while (start > 0 && guardOf(policies[start] as Policy) && guardOf(policies[start - 1] as Policy)) start--;
    // A lone guard is fused too (a run of one) when it has layers around or inside: then it can take a sink.
    if (start === i && !(guardOf(policies[i] as Policy) && policies.length > 1)) {
      inner = inner ? nest(policies[i] as Policy, inner) : policies[i];
      i--;
      continue;
    }
    const own: Policy[] = [];
    let nested = inner;
    for (let j = i; j >= start; j--) {
      nested = nested ? nest(policies[j] as Policy, nested) : policies[j];
      own[j - start] = nested as Policy;
    }
    inner = fuseGuards(policies.slice(start, i + 1), own, inner);
    i = start - 1;
  }
  return inner ?? passThrough;
}

/**
 * `outer` around `inner`. When both can run a call into a sink (`RUN_INTO`: this package's retry, timeout and guard
 * compositions), so can the nest — then a composition of only those makes no promise for a call that succeeds at
 * once (the lb undici dispatcher runs it so); otherwise it nests their `execute`s, as cockatiel's `wrap` does.
 */
function nest(outer: Policy, inner: Policy): Policy {
  // A cockatiel policy hands on only `{ signal, attempt }`: then the call declared to the outermost is kept.
  const callFor = (context: AttemptContext, call: CallContext | undefined) => (context.tried ? context : call);
  if (!runnerOf(outer) || !runnerOf(inner)) {
    return {
      execute: (fn, signal, call) =>
        outer.execute((context) => inner.execute(fn, signalOf(context), callFor(context, call)), signal, call),
    };
  }
  const runner: RunsInto = {
    [RUN_INTO]: (task, sink, signal, call) =>
      runOn(
        outer,
        (context, into) => runOn(inner, task, into, signalOf(context), callFor(context, call)),
        sink,
        signal,
        call,
      ),
  };
  return { execute: (fn, signal, call) => executeVia(runner, fn, signal, call), ...runner };
}
