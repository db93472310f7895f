import type { FastifyPluginCallback } from "fastify";
import type { ServerContext } from "../context.js";
import { DashboardHub, type StreamLimits } from "../dashboard-hub.js";
import { DASHBOARD_HTML } from "../dashboard-page.js";
import { dashboardState } from "../dashboard-state.js";
import { RegistryError } from "../errors.js";
import { FleetHub, type FleetOptions } from "../fleet-hub.js";
import { FLEET_HTML } from "../fleet-page.js";
import { admitLongPoll } from "../hooks/long-poll-admission.js";

/**
 * `GET /` (the dashboard page), `GET /outrigger/dashboard` (its state) and `GET /outrigger/events` (live updates:
 * one full state, then diffs shared by every stream; 429 past the stream caps), `GET /fleet` (the fleet page) and
 * `GET /outrigger/fleet` (its caller → service edges, from the processes' fleet streams).
 */
export function dashboardRoutes(ctx: ServerContext, limits: StreamLimits, fleet?: FleetOptions): FastifyPluginCallback {
  return (app, _options, done) => {
    const hub = new DashboardHub(ctx, limits);
    const fleetHub = new FleetHub(ctx.registry, fleet);
    // End the streams before the server closes, or an open stream would hold `close()` forever.
    app.addHook("preClose", async () => {
      hub.close();
      fleetHub.close();
    });
    app.get("/fleet", async (_request, reply) => reply.type("text/html; charset=utf-8").send(FLEET_HTML));
    app.get("/outrigger/fleet", async () => fleetHub.view());
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
