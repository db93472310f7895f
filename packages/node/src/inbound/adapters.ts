import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Admission } from "./admission.js";
import type { Rejection } from "./rejection.js";

/** Writes a refusal straight to a node:http response (node:http and express). */
export function writeRejection(res: ServerResponse, rejection: Rejection): void {
  const body = JSON.stringify(rejection.body);
  res.writeHead(rejection.status, {
    ...rejection.headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** Wraps a node:http request listener so each request passes admission first. */
export function nodeHandler(admission: Admission, handler: RequestListener): RequestListener {
  return (req, res) =>
    admission.admit(
      req,
      res,
      () => handler(req, res),
      (rejection) => writeRejection(res, rejection),
    );
}

/** An express-compatible middleware: `(req, res, next)`, typed on node:http so express stays a dev dependency. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** The express middleware over `admission`. */
export function expressMiddleware(admission: Admission): ExpressMiddleware {
  return (req, res, next) =>
    admission.admit(
      req,
      res,
      () => next(),
      (rejection) => writeRejection(res, rejection),
    );
}

/** The parts of fastify's request and reply the plugin uses, so fastify is never imported at run time. */
export interface FastifyRequestLike {
  readonly raw: IncomingMessage;
}
/** See `FastifyRequestLike`. */
export interface FastifyReplyLike {
  readonly raw: ServerResponse;
  code(statusCode: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(payload?: unknown): FastifyReplyLike;
}
/** The part of a fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  addHook(
    name: "onRequest",
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: (error?: Error) => void) => void,
  ): unknown;
}
/** A fastify plugin (`app.register(inbound.fastify)`); it applies to every route of the instance it is registered on. */
export type FastifyPluginLike = (
  instance: FastifyInstanceLike,
  options: unknown,
  done: (error?: Error) => void,
) => void;

/**
 * The fastify plugin over `admission`: an `onRequest` hook, the earliest point fastify offers (before body
 * parsing), answering refusals through the reply so fastify's own hooks and logs see them.
 */
export function fastifyPlugin(admission: Admission): FastifyPluginLike {
  const plugin: FastifyPluginLike = (instance, _options, done) => {
    instance.addHook("onRequest", (request, reply, hookDone) =>
      admission.admit(
        request.raw,
        reply.raw,
        () => hookDone(),
        // A callback-style hook that answers must not call done (fastify's Hooks reference, "Respond to a request
        // from a hook").
        (rejection) =>
          void reply
            .code(rejection.status)
            .headers({ ...rejection.headers })
            .send(rejection.body),
      ),
    );
    done();
  };
  // What fastify-plugin sets: without skip-override the hook stays inside the plugin's own encapsulated context
  // and never runs for the application's routes (aws/aws-xray-sdk-node#702, fastify/under-pressure uses fp).
  Object.assign(plugin, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "@outrigger/node inbound",
  });
  return plugin;
}
