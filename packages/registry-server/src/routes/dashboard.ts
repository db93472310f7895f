import type { FastifyPluginCallback } from "fastify";
import type { ServerContext } from "../context.js";
import { DashboardHub, type StreamLimits } from "../dashboard-hub.js";
import { DASHBOARD_HTML } from "../dashboard-page.js";
import { dashboardState } from "../dashboard-state.js";
import { RegistryError } from "../errors.js";
import { admitLongPoll } from "../hooks/long-poll-admission.js";

/**
 * `GET /` (the dashboard page), `GET /outrigger/dashboard` (its state) and `GET /outrigger/events` (live updates:
 * one full state, then diffs shared by every stream; 429 past the stream caps).
 */
export function dashboardRoutes(ctx: ServerContext, limits: StreamLimits): FastifyPluginCallback {
  return (app, _options, done) => {
    const hub = new DashboardHub(ctx, limits);
    // End the streams before the server closes, or an open stream would hold `close()` forever.
    app.addHook("preClose", async () => hub.close());
    app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(DASHBOARD_HTML));
    app.get("/outrigger/dashboard", async () => dashboardState(ctx));
    app.get("/outrigger/events", async (request, reply) => {
      if (!hub.admits(request.ip)) {
        throw new RegistryError(
          "REGISTRY_TOO_MANY_STREAMS",
          "Too many dashboard streams are open: close a tab, or raise --max-dashboard-streams",
          429,
        );
      }
      admitLongPoll(request, reply);
      reply.hijack();
      hub.open(request.ip, reply.raw);
    });
    done();
  };
}
