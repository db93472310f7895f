import { Dispatcher } from "undici";
import { LB_CALL, type LbCall } from "./lb-call.js";

/** The dispatcher `withLbCall` returns: every request it sends carries `call` to the lb dispatcher behind it. */
class LbCallDispatcher extends Dispatcher {
  readonly #target: Dispatcher;
  readonly #call: LbCall;

  constructor(target: Dispatcher, call: LbCall) {
    super();
    this.#target = target;
    this.#call = call;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    return this.#target.dispatch({ ...options, [LB_CALL]: this.#call } as Dispatcher.DispatchOptions, handler);
  }

  /** Closes nothing: the lb dispatcher behind it is shared by every call; close that one. */
  override close(): Promise<void> {
    return Promise.resolve();
  }

  /** Destroys nothing, as `close`. */
  override destroy(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A dispatcher for one logical call (`LbCall`, made by `createLbCall()`) through `dispatcher` (an lb dispatcher,
 * `createLbDispatcher`'s or og's): pass it as the `dispatcher` option of `fetch` or `undici.request` on every run
 * of a retry policy around the call, and each run avoids the instances the earlier runs tried — what `lb: { call }`
 * does for lb-axios. Cheap (one small object per logical call; nothing is kept after it). Its `close()` and
 * `destroy()` do nothing: the lb dispatcher is shared; close that one. A dispatcher that is not an lb dispatcher
 * ignores the call.
 */
export function withLbCall(dispatcher: Dispatcher, call: LbCall): Dispatcher {
  return new LbCallDispatcher(dispatcher, call);
}
