import type { CallContext } from "@outrigger/core";

/**
 * One subscriber's state for each call in flight, found from the call's context — the object every message about
 * the call names (`CallMessage.context`, a policy's `call`, core's give-up) — without a map entry per call: the
 * state is kept on the context itself, under a symbol only this instance holds (so two tracers never see each
 * other's state, and no key shows in `Object.keys`, `for…in` or JSON). A per-call `WeakMap` entry, set at the
 * call's start and deleted at its end, is what this replaces on the request path: every entry is an ephemeron the
 * garbage collector must trace, with a hash made for each fresh key. A frozen or sealed context (core's
 * `unknownCall`) cannot take a property; its state goes to a `WeakMap` instead.
 */
export class CallState<T extends object> {
  readonly #key: symbol;
  readonly #frozen = new WeakMap<CallContext, T>();

  /** `name` labels the symbol, for a reader of a heap snapshot. */
  constructor(name: string) {
    this.#key = Symbol(name);
  }

  /** The state of `call`; undefined when none was set (a call that started before its subscriber). */
  get(call: CallContext): T | undefined {
    const own = (call as unknown as Record<symbol, T | undefined>)[this.#key];
    if (own !== undefined) return own;
    return Object.isExtensible(call) ? undefined : this.#frozen.get(call);
  }

  /** Keeps `state` for `call` until `clear(call)` (or until the call itself is collected). */
  set(call: CallContext, state: T): void {
    if (Object.isExtensible(call)) (call as unknown as Record<symbol, T | undefined>)[this.#key] = state;
    else this.#frozen.set(call, state);
  }

  /** Lets go of `call`'s state: the property stays (undefined), so the context keeps its shape. */
  clear(call: CallContext): void {
    if (Object.isExtensible(call)) (call as unknown as Record<symbol, T | undefined>)[this.#key] = undefined;
    else this.#frozen.delete(call);
  }
}
