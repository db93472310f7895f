import { followAbort } from "@outrigger/core";
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

/** A held request's signal and the function that ends its bookkeeping (call it once the hold is over). */
export interface HeldRequest {
  readonly signal: AbortSignal;
  done(): void;
}

/**
 * A signal that fires when the client of `request` leaves or the server starts closing: what a long poll waits on
 * besides its own change and its timer. When the server closes, the answer also ends its connection: a kept-alive
 * socket would otherwise hold `close()` until the keep-alive timeout. The server's closing signal is shared by
 * every held request, so it is followed with core's `followAbort` (one listener on it however many requests hold,
 * none once they are done), not `AbortSignal.any` or a listener per request, which piled up 5 000 listeners on it
 * (MaxListenersExceededWarning) under 5 000 Consul blocking queries. `done()` takes every listener off.
 */
export function heldRequest(request: FastifyRequest, reply: FastifyReply): HeldRequest {
  const held = new AbortController();
  const leave = (): void => held.abort();
  request.raw.once("close", leave);
  const closing = (request.server as unknown as Record<symbol, AbortSignal | undefined>)[closingKey];
  // A block body: `reply` is a thenable, and an event listener must not return one.
  const endConnection = (): void => {
    reply.header("connection", "close");
    held.abort();
  };
  let unfollow = noop;
  if (closing?.aborted) endConnection();
  else if (closing) unfollow = followAbort(closing, endConnection);
  return {
    signal: held.signal,
    done: () => {
      unfollow();
      request.raw.off("close", leave);
    },
  };
}

const noop = (): void => undefined;
