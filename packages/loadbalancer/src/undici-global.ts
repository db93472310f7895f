import { type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from "undici";

/**
 * Where undici ≥ 7 keeps the global dispatcher, and where Node 26's bundled `fetch` (undici 8) reads it; undici 6's
 * `setGlobalDispatcher` writes only `Symbol.for("undici.globalDispatcher.1")`, which Node 20–24's `fetch` reads
 * (nodejs/undici lib/global.js; PRs #4827, #4962, #5319).
 */
const GLOBAL_DISPATCHER_2 = Symbol.for("undici.globalDispatcher.2");

/** Writes a global slot the way undici's `setGlobalDispatcher` does: writable, not enumerable. */
function setSlot(slot: symbol, dispatcher: Dispatcher | undefined): void {
  Object.defineProperty(globalThis, slot, {
    value: dispatcher,
    writable: true,
    enumerable: false,
    configurable: false,
  });
}

/**
 * Makes `dispatcher` (an lb dispatcher, or any undici dispatcher) the process's global dispatcher for every undici
 * in it: undici 6's `setGlobalDispatcher` (read by `undici.fetch`/`request` of undici 6 and by Node 20–24's own
 * `fetch`) and the slot undici ≥ 7 uses (read by Node 26's `fetch` and undici 7/8 from npm). undici 6's
 * `setGlobalDispatcher` alone leaves Node 26's `fetch` on its own agent, so `fetch("http://orders/…")` would go to
 * DNS instead of the balancer. Returns a function that puts both previous dispatchers back (tests, shutdown).
 * Throws undici's `InvalidArgumentError` (UND_ERR_INVALID_ARG) when `dispatcher` has no `dispatch`, as undici does.
 */
export function installGlobalDispatcher(dispatcher: Dispatcher): () => void {
  const previous = getGlobalDispatcher();
  const previous2 = (globalThis as Record<symbol, unknown>)[GLOBAL_DISPATCHER_2] as Dispatcher | undefined;
  setGlobalDispatcher(dispatcher);
  setSlot(GLOBAL_DISPATCHER_2, dispatcher);
  return () => {
    setGlobalDispatcher(previous);
    setSlot(GLOBAL_DISPATCHER_2, previous2);
  };
}
