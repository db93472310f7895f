import { attemptContext, type CallContext, neverAborted, signalOf, unknownCall } from "@outrigger/core";
import type { AttemptContext, Policy } from "./policy.js";

/** Where a policy that is also a `Guard` keeps it (module-private: only `composePolicies` reads it). */
export const GUARD: unique symbol = Symbol("outrigger.resilience.guard");

/**
 * The two steps of a policy that acts only when a call starts and when it settles — a circuit breaker (admit,
 * record), a bulkhead's free-slot path (take a slot, free it) — as its `execute` runs them. `enter` admits the
 * call now and returns a ticket for `leave`, throws the policy's refusal, or returns undefined when the call must
 * take the policy's own path (`execute`: a bulkhead with no free slot queues it). `leave` gets the outcome.
 */
export interface Guard {
  enter(signal: AbortSignal, call: CallContext): number | undefined;
  leave(ticket: number, failed: boolean, outcome: unknown, call: CallContext): void;
}

/** The guard a policy carries, if any. */
export const guardOf = (policy: Policy): Guard | undefined => (policy as { [GUARD]?: Guard })[GUARD];

/**
 * Adjacent guards (`policies`, outermost first) composed around `inner` (undefined: the call's own function), with
 * one settle step for them all instead of a promise, a `then` and a composition closure per guard: each guard's
 * `execute` handed the next layer the same attempt (`attemptContext` hands on an attempt a layer does not change),
 * so they can enter one after the other and leave, innermost first, when the inner layer settles — as their
 * nested `then`s did. `own[j]` is guards j… nested around `inner` as before: the path when guard j does not
 * admit the call synchronously.
 */
export function fuseGuards(policies: readonly Policy[], own: readonly Policy[], inner: Policy | undefined): Policy {
  const guards = policies.map((policy) => guardOf(policy) as Guard);
  const leave = (tickets: number[], failed: boolean, outcome: unknown, call: CallContext, context: CallContext) => {
    let thrown: { error: unknown } | undefined;
    for (let k = tickets.length - 1; k >= 0; k--) {
      try {
        (guards[k] as Guard).leave(tickets[k] as number, failed, outcome, k === 0 ? call : context);
      } catch (error) {
        thrown ??= { error };
      }
    }
    if (thrown) throw thrown.error;
  };
  return {
    execute<T>(fn: (context: AttemptContext) => PromiseLike<T> | T, signal?: AbortSignal, call?: CallContext) {
      const outerCall = call ?? unknownCall;
      const context = attemptContext(outerCall, signal ?? neverAborted, 0);
      const innerSignal = signalOf(context);
      // Sized up front: an empty literal grows a 17-slot backing store on its first push.
      const tickets = new Array<number>(guards.length);
      let entered = 0;
      let running: Promise<T>;
      try {
        let j = 0;
        for (; j < guards.length; j++) {
          const guard = guards[j] as Guard;
          const ticket =
            j === 0
              ? guard.enter(signal ?? neverAborted, outerCall)
              : guard.enter(innerSignal ?? neverAborted, context);
          if (ticket === undefined) break;
          tickets[entered++] = ticket;
        }
        if (j === 0) running = (own[0] as Policy).execute(fn, signal, call);
        else if (j < guards.length) running = (own[j] as Policy).execute(fn, innerSignal, context);
        else running = inner ? inner.execute(fn, innerSignal, context) : Promise.resolve(fn(context));
      } catch (error) {
        running = Promise.reject(error);
      }
      if (entered === 0) return running;
      tickets.length = entered;
      return running.then(
        (value) => {
          leave(tickets, false, value, outerCall, context);
          return value;
        },
        (error: unknown) => {
          leave(tickets, true, error, outerCall, context);
          throw error;
        },
      );
    },
  };
}
