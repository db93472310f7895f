import type { FastifyInstance, FastifyRequest } from "fastify";

const closingKey = Symbol.for("outrigger.registry.closing");

/**
 * Gives the app an abort signal that fires when `app.close()` starts (fastify's `preClose`, before in-flight
 * requests are awaited), so held requests — watches and Consul blocking queries — are answered at once and a
 * SIGTERM stops the server in well under a second instead of waiting for every 30 s long poll.
 */
export function shutdownHook(app: FastifyInstance): void {
  const closing = new AbortController();
  (app as unknown as Record<symbol, AbortSignal>)[closingKey] = closing.signal;
  app.addHook("preClose", (done) => {
    closing.abort();
    done();
  });
}

/**
 * A signal that fires when the client of `request` leaves or the server starts closing: what a long poll waits on
 * besides its own change and its timer.
 */
export function heldRequestSignal(request: FastifyRequest): AbortSignal {
  const left = new AbortController();
  request.raw.once("close", () => left.abort());
  const closing = (request.server as unknown as Record<symbol, AbortSignal | undefined>)[closingKey];
  return closing ? AbortSignal.any([left.signal, closing]) : left.signal;
}
