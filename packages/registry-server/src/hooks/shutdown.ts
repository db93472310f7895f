import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

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

/** True once `app.close()` has started (see `shutdownHook`). */
export function isClosing(app: FastifyInstance): boolean {
  return (app as unknown as Record<symbol, AbortSignal | undefined>)[closingKey]?.aborted === true;
}

/**
 * A signal that fires when the client of `request` leaves or the server starts closing: what a long poll waits on
 * besides its own change and its timer. When the server closes, the answer also ends its connection: a kept-alive
 * socket would otherwise hold `close()` until the keep-alive timeout.
 */
export function heldRequestSignal(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const left = new AbortController();
  request.raw.once("close", () => left.abort());
  const closing = (request.server as unknown as Record<symbol, AbortSignal | undefined>)[closingKey];
  if (!closing) return left.signal;
  // A block body: `reply` is a thenable, and an event listener must not return one.
  const endConnection = (): void => {
    reply.header("connection", "close");
  };
  if (closing.aborted) endConnection();
  else closing.addEventListener("abort", endConnection, { once: true, signal: left.signal });
  return AbortSignal.any([left.signal, closing]);
}
