import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { acceptsGzip } from "../response-cache.js";

/** Below 1 KiB gzip saves less than its header and CPU cost. */
const MIN_GZIP_BYTES = 1024;
const gzipAsync = promisify(gzip);

/** Gzips other JSON answers when the client asks (cached reads gzip once, in `sendCached`). */
export function gzipHook(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every renew, and the common case must not cost a promise.
  app.addHook("onSend", (request, reply, payload, done) => {
    if (typeof payload !== "string" || payload.length < MIN_GZIP_BYTES) return done(null, payload);
    if (reply.hasHeader("content-encoding") || !acceptsGzip(request)) return done(null, payload);
    reply.header("content-encoding", "gzip").header("vary", "accept-encoding");
    gzipAsync(payload).then(
      (zipped) => done(null, zipped),
      (error: Error) => done(error),
    );
  });
}
