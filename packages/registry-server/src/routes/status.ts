import type { FastifyPluginCallback } from "fastify";
import type { ServerContext } from "../context.js";
import { serverStatus } from "../server-status.js";

/** `GET /status`: server statistics, self-preservation with its numbers and reason, peers and their health. */
export function statusRoutes(ctx: ServerContext): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get("/status", async () => serverStatus(ctx));
    done();
  };
}
