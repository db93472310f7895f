import type { Server } from "node:http";
import { Server as NetServer } from "node:net";

/** What a drain needs. */
export interface DrainSteps {
  /** Stop admitting (new requests get 503 + Connection: close); resolves when in-flight requests reach 0. */
  readonly draining: () => Promise<void>;
  /** The server og listened, if any: it stops accepting connections, and its last ones close at the end. */
  readonly server: Server | undefined;
  /** Deregisters (bounded by the registry's request timeout). */
  readonly deregister: () => Promise<void>;
  readonly graceMs: number;
}

/**
 * Stops `server` accepting connections without reaping its idle kept-alive ones, as Node's `http.Server#close`
 * does (Node ≥ 19): a client may be writing its next request on such a connection at that very moment, and then
 * sees it cut (UND_ERR_SOCKET / ECONNRESET). Resolves when the last connection has closed.
 */
function stopAccepting(server: Server): Promise<void> {
  return new Promise((resolve) => NetServer.prototype.close.call(server, () => resolve()));
}

/**
 * The drain of a graceful shutdown, in order: stop taking new connections, deregister so callers drop this instance
 * at once, then wait — up to `graceMs` — for the requests in flight to finish and for every connection to close. A
 * request on a kept-alive connection is answered 503 with `Connection: close` (callers retry elsewhere) and that
 * connection closes after it; one left idle closes at the server's `keepAliveTimeout`, which the client knows from
 * the `Keep-Alive: timeout` header and so never reuses (Envoy's drain; Go's net/http Server.Shutdown waits the same
 * way). What remains at `graceMs` is cut. Resolves true when everything finished within the grace period.
 */
export async function drain(steps: DrainSteps): Promise<boolean> {
  const drained = steps.draining();
  const disconnected = steps.server?.listening ? stopAccepting(steps.server) : Promise.resolve();
  await steps.deregister();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), steps.graceMs);
    timer.unref();
  });
  const finished = await Promise.race([Promise.all([drained, disconnected]).then(() => true as const), grace]);
  clearTimeout(timer);
  steps.server?.closeAllConnections();
  return finished;
}
