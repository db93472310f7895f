import type { FastifyPluginCallback } from "fastify";
import type { ServerContext } from "../context.js";
import { RegistryError } from "../errors.js";
import { toEurekaApplication } from "../eureka-codec.js";
import { admitLongPoll } from "../hooks/long-poll-admission.js";
import { heldRequestSignal } from "../hooks/shutdown.js";
import { sendCached } from "../response-cache.js";
import { parseWait, waitForAppChange } from "../watch.js";

/**
 * Outrigger's watch for one application, a long poll: `GET /outrigger/watch/apps/{APP}?index=N&wait=30s` answers
 * as soon as the application changes past index N (at once when N differs from the current index), else when the
 * wait ends. The body is `{"application": {"name", "instance": [...]}}` (the array may be empty) and the
 * `X-Outrigger-Index` header carries the index to send next.
 */
export function watchRoutes(ctx: ServerContext): FastifyPluginCallback {
  const { registry } = ctx;
  return (app, _options, done) => {
    app.get<{ Params: { app: string }; Querystring: { index?: string; wait?: string } }>(
      "/apps/:app",
      async (request, reply) => {
        const name = request.params.app.toUpperCase();
        const index = request.query.index === undefined ? -1 : Number(request.query.index);
        const waitMs = parseWait(request.query.wait);
        if (!Number.isInteger(index) || waitMs === undefined) {
          throw new RegistryError(
            "REGISTRY_BAD_REQUEST",
            "Watch needs a whole-number index and a wait in Go's duration form, like 30s or 1m30s (a unit is required)",
          );
        }
        if (request.query.index !== undefined) admitLongPoll(request, reply);
        await waitForAppChange(registry, name, index, waitMs, heldRequestSignal(request, reply));
        reply.header("x-outrigger-index", String(registry.appIndex(name)));
        // Many watchers of one application share one serialised answer per change.
        return sendCached(
          request,
          reply,
          ctx.cache.get(`watch:${name}`, () => ({
            application: toEurekaApplication(name, registry.application(name)),
          })),
        );
      },
    );
    done();
  };
}
