import {
  attemptContext,
  type CallContext,
  executeVia,
  neverAborted,
  RUN_INTO,
  type RunsInto,
  runOn,
  type Settles,
  type SinkTask,
  signalOf,
  unknownCall,
} from "@outrigger/core";
import type { Policy } from "./policy.js";

/** Where a policy that is also a `Guard` keeps it (module-private: only `composePolicies` reads it). */
export const GUARD: unique symbol = Symbol("outrigger.resilience.guard");

/**
 * The two steps of a policy that acts only when a call starts and when it settles — a circuit breaker (admit,
 * record), a bulkhead's free-slot path (take a slot, free it) — as its `execute` runs them. `enter` admits the
 * call now and returns a ticket for `leave`, throws the policy's refusal, or returns undefined when the call must
 * take the policy's own path (`execute`: a bulkhead with no free slot queues it). `leave` gets the outcome and the
 * signal the call entered with, as `execute` has it: a circuit reads a failure with that signal's own abort reason
 * as the caller's cancellation, not the dependency's failure.
 */
export interface Guard {
  enter(signal: AbortSignal, call: CallContext): number | undefined;
  leave(ticket: number, failed: boolean, outcome: unknown, call: CallContext, signal: AbortSignal): void;
}

/** The guard a policy carries, if any. */
export const guardOf = (policy: Policy): Guard | undefined => (policy as { [GUARD]?: Guard })[GUARD];

/**
 * Adjacent guards (`policies`, outermost first) composed around `inner` (undefined: the call's own function), with
 * one settle step for them all instead of a promise, a `then` and a composition closure per guard: each guard's
 * `execute` handed the next layer the same attempt (`attemptContext` hands on an attempt a layer does not change),
 * so they can enter one after the other and leave, innermost first, when the inner layer settles — as their
 * nested `then`s did. `own[j]` is guards j… nested around `inner` as before: the path when guard j does not
 * admit the call synchronously. Written as a sink (`RUN_INTO`): the guards leave in the sink the inner layer
 * reports to, so under a promise-free inner layer a call admitted at once makes no promise here.
 */
export function fuseGuards(policies: readonly Policy[], own: readonly Policy[], inner: Policy | undefined): Policy {
  const guards = policies.map((policy) => guardOf(policy) as Guard);
  const runInto: RunsInto[typeof RUN_INTO] = <T>(
    task: SinkTask<T>,
    sink: Settles<T>,
    signal: AbortSignal | undefined,
    call: CallContext | undefined,
  ) => {
    const outerCall = call ?? unknownCall;
    const context = attemptContext(outerCall, signal ?? neverAborted, 0);
    const innerSignal = signalOf(context);
    // Sized up front: an empty literal grows a 17-slot backing store on its first push.
    const tickets = new Array<number>(guards.length);
    let entered = 0;
    let j = 0;
    try {
      for (; j < guards.length; j++) {
        const guard = guards[j] as Guard;
        const ticket =
          j === 0 ? guard.enter(signal ?? neverAborted, outerCall) : guard.enter(innerSignal ?? neverAborted, context);
        if (ticket === undefined) break;
        tickets[entered++] = ticket;
      }
    } catch (error) {
      leaving(guards, tickets, entered, outerCall, context, sink, signal, innerSignal).reject(error);
      return;
    }
    const out = leaving(guards, tickets, entered, outerCall, context, sink, signal, innerSignal);
    try {
      if (j === 0) runOn(own[0] as Policy, task, out, signal, call);
      else if (j < guards.length) runOn(own[j] as Policy, task, out, innerSignal, context);
      else if (inner) runOn(inner, task, out, innerSignal, context);
      else task(context, out);
    } catch (error) {
      out.reject(error);
    }
  };
  const runner: RunsInto = { [RUN_INTO]: runInto };
  return { execute: (fn, signal, call) => executeVia(runner, fn, signal, call), ...runner };
}

/** `sink`, or — with guards entered — a sink that has them leave (innermost first) before the outcome goes on. */
function leaving<T>(
  guards: readonly Guard[],
  tickets: number[],
  entered: number,
  call: CallContext,
  context: CallContext,
  sink: Settles<T>,
  signal: AbortSignal | undefined,
  innerSignal: AbortSignal | undefined,
): Settles<T> {
  if (entered === 0) return sink;
  // Only when a guard sent the call its own way: Array's length setter is a runtime call even for the same length.
  if (entered < tickets.length) tickets.length = entered;
  return new Leaving(guards, tickets, call, context, sink, signal ?? neverAborted, innerSignal ?? neverAborted);
}

/**
 * The sink of a call the guards admitted: each entered guard leaves with the outcome, innermost first, then the
 * outcome goes on; a guard's `leave` that throws makes its error the outcome (the first one thrown), as a throw in
 * the `then` the guards used to leave in did.
 */
class Leaving<T> implements Settles<T> {
  #settled = false;

  constructor(
    private readonly guards: readonly Guard[],
    private readonly tickets: readonly number[],
    private readonly call: CallContext,
    private readonly context: CallContext,
    private readonly out: Settles<T>,
    /** The signals the guards entered with: the first guard the caller's, the others the attempt's. */
    private readonly signal: AbortSignal,
    private readonly innerSignal: AbortSignal,
  ) {}

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    const thrown = this.#leave(false, value);
    if (thrown) this.out.reject(thrown.error);
    else this.out.resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    const thrown = this.#leave(true, error);
    this.out.reject(thrown ? thrown.error : error);
  }

  #leave(failed: boolean, outcome: unknown): { error: unknown } | undefined {
    const { guards, tickets } = this;
    let thrown: { error: unknown } | undefined;
    for (let k = tickets.length - 1; k >= 0; k--) {
      try {
        const first = k === 0;
        const guard = guards[k] as Guard;
        guard.leave(
          tickets[k] as number,
          failed,
          outcome,
          first ? this.call : this.context,
          first ? this.signal : this.innerSignal,
        );
      } catch (error) {
        thrown ??= { error };
      }
    }
    return thrown;
  }
}
