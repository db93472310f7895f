import type { Server } from "node:http";

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
 * The drain of a graceful shutdown, in order: stop taking new requests (no new connection; a request on a kept-alive
 * one is answered 503 with `Connection: close`, which callers retry elsewhere), deregister so callers drop this
 * instance at once, wait for the requests in flight up to `graceMs`, then close the connections left. Resolves
 * true when every request finished within the grace period.
 */
export async function drain(steps: DrainSteps): Promise<boolean> {
  const drained = steps.draining();
  steps.server?.close();
  await steps.deregister();
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), steps.graceMs);
    timer.unref();
  });
  const finished = await Promise.race([drained.then(() => true as const), grace]);
  clearTimeout(timer);
  steps.server?.closeAllConnections();
  return finished;
}
