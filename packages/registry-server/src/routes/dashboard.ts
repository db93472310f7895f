import type { FastifyPluginCallback } from "fastify";
import type { ServerContext } from "../context.js";
import { DASHBOARD_HTML } from "../dashboard-page.js";
import { dashboardState } from "../dashboard-state.js";

/** Changes within 50 ms are sent as one update: a burst of registrations does not flood the browser. */
const PUSH_DELAY_MS = 50;
/** Lease ages move even when nothing changes; refresh them every 5 s (this also keeps proxies from closing the stream). */
const REFRESH_MS = 5_000;

/** `GET /` (the dashboard page), `GET /outrigger/dashboard` (its state) and `GET /outrigger/events` (live updates). */
export function dashboardRoutes(ctx: ServerContext): FastifyPluginCallback {
  return (app, _options, done) => {
    const open = new Set<() => void>();
    // End the streams before the server closes, or an open stream would hold `close()` forever.
    app.addHook("preClose", async () => {
      for (const end of open) end();
    });
    app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(DASHBOARD_HTML));
    app.get("/outrigger/dashboard", async () => dashboardState(ctx));
    app.get("/outrigger/events", (_request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const push = (): void => {
        pending = undefined;
        res.write(`event: state\ndata: ${JSON.stringify(dashboardState(ctx))}\n\n`);
      };
      let pending: NodeJS.Timeout | undefined;
      const stop = ctx.registry.onChange(() => {
        pending ??= setTimeout(push, PUSH_DELAY_MS);
      });
      const refresh = setInterval(push, REFRESH_MS);
      refresh.unref();
      push();
      const end = (): void => {
        open.delete(end);
        stop();
        clearInterval(refresh);
        clearTimeout(pending);
        res.end();
      };
      open.add(end);
      res.once("close", end);
    });
    done();
  };
}
