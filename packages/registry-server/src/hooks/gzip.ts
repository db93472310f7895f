import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { acceptsGzip } from "../response-cache.js";

/** Below 1 KiB gzip saves less than its header and CPU cost. */
const MIN_GZIP_BYTES = 1024;

/** Gzips other JSON answers when the client asks (cached reads gzip once, in `sendCached`). */
export function gzipHook(app: FastifyInstance): void {
  app.addHook("onSend", async (request, reply, payload) => {
    if (typeof payload !== "string" || payload.length < MIN_GZIP_BYTES) return payload;
    if (reply.hasHeader("content-encoding") || !acceptsGzip(request)) return payload;
    reply.header("content-encoding", "gzip").header("vary", "accept-encoding");
    return gzipSync(payload);
  });
}
