import type { FastifyPluginCallback, FastifyReply } from "fastify";
import type { ServerContext } from "../context.js";
import { isRegistryError, RegistryError } from "../errors.js";
import { toEurekaApplication } from "../eureka-codec.js";
import { admitLongPoll } from "../hooks/long-poll-admission.js";
import { heldRequest } from "../hooks/shutdown.js";
import {
  carriedReport,
  REPORT_REFUSED_HEADER,
  REPORTS_ON_WATCH_HEADER,
  watchingClient,
} from "../policy/carried-report.js";
import type { PolicyReports } from "../policy/reports.js";
import { POLICY_REVISION_HEADER } from "../policy/routes.js";
import { watchPolicy } from "../policy/watch-wake.js";
import { registryChannels, type WatchMessage } from "../registry-channels.js";
import { sendCached, WATCH_MIN_GZIP_BYTES } from "../response-cache.js";
import { WaitRoom } from "../wait-room.js";
import { parseWait, waitForAppChange } from "../watch.js";
import type { RunIndex } from "../watch-index.js";

/**
 * Outrigger's watch for one application, a long poll: `GET /outrigger/watch/apps/{APP}?index=N&wait=30s` answers
 * as soon as the application changes past index N (at once when N differs from the current index), else when the
 * wait ends. The body is `{"application": {"name", "instance": [...]}, "policy": record | null}` (the array may be
 * empty; `policy` is the service's current policy record, see `PolicyRecord`), the `X-Outrigger-Index` header carries
 * the index to send next and `X-Outrigger-Policy-Revision` the policy's revision (0: none). A request may carry the
 * SDK's ACK/NACK of the policy it was last sent (`policy/carried-report.ts`; answers say so with
 * `X-Outrigger-Policy-Reports: watch`), recorded as `POST /outrigger/policy/reports` records one. A policy change moves
 * the application's index, so it wakes the watch as an instance change does. The index is `indexes.app(APP)`
 * (`RunIndex`): in a lone registry it carries the run's tag, so an index from before a restart is never the current
 * one and is answered at once.
 */
export function watchRoutes(ctx: ServerContext, indexes: RunIndex): FastifyPluginCallback {
  const { registry } = ctx;
  // Every watch waits in one room. A policy change of an application wakes its watchers too: the policy service
  // moves the application's index first (it subscribed to the store before any watch did).
  const room = new WaitRoom({
    onChange: (listener) => {
      const stops = [registry.onChange(listener), ctx.policies?.store.onChange(listener)];
      return () => {
        for (const stop of stops) stop?.();
      };
    },
  });
  return (app, _options, done) => {
    app.addHook("onClose", async () => room.close());
    app.get<{ Params: { app: string }; Querystring: { index?: string; wait?: string } }>(
      "/apps/:app",
      async (request, reply) => {
        const startedAt = performance.now();
        const name = request.params.app.toUpperCase();
        const index = request.query.index === undefined ? -1 : Number(request.query.index);
        const waitMs = parseWait(request.query.wait);
        if (!Number.isInteger(index) || waitMs === undefined) {
          throw new RegistryError(
            "REGISTRY_BAD_REQUEST",
            "Watch needs a whole-number index and a wait in Go's duration form, like 30s or 1m30s (a unit is required)",
          );
        }
        // The SDK's ACK/NACK of the last answer's policy, carried on this request (xDS: the next DiscoveryRequest),
        // is taken as a `POST /outrigger/policy/reports` would be, before the hold.
        // A watch naming its process and key keeps that process's claim on its id alive (`ReportClaims`); a carried
        // report refused for another key's claim is said in a header and the watch is answered all the same.
        const client = ctx.policies ? watchingClient(request.headers) : undefined;
        const watched = client ? ctx.policies?.reports.watch(name, client.process, client.key) : undefined;
        try {
          const report = ctx.policies ? carriedReport(request.headers, name) : undefined;
          if (report !== undefined) recordCarried(ctx.policies?.reports, report, reply);
          if (request.query.index !== undefined) admitLongPoll(request, reply);
          const held = heldRequest(request, reply);
          await waitForAppChange(room, indexes, name, index, waitMs, held.signal).finally(held.done);
        } finally {
          watched?.();
        }
        const answeredIndex = indexes.app(name);
        if (registryChannels.watch.hasSubscribers) {
          const changed = answeredIndex !== index;
          const message: WatchMessage = {
            app: name,
            index,
            answeredIndex,
            changed,
            headers: request.headers,
            startedAt,
          };
          registryChannels.watch.publish(message);
        }
        reply.header("x-outrigger-index", String(answeredIndex));
        reply.header(POLICY_REVISION_HEADER, String(ctx.policies?.store.get(name)?.revision ?? 0));
        if (ctx.policies) reply.header(REPORTS_ON_WATCH_HEADER, "watch");
        // Many watchers of one application share one serialised answer per change; a small one goes uncompressed.
        return sendCached(
          request,
          reply,
          ctx.cache.get(`watch:${name}`, () => ({
            application: toEurekaApplication(name, registry.application(name)),
            policy: watchPolicy(ctx.policies, name),
          })),
          "application/json",
          WATCH_MIN_GZIP_BYTES,
        );
      },
    );
    done();
  };
}

/** Records a carried report; one refused for another key's claim is told in `REPORT_REFUSED_HEADER`, not thrown. */
function recordCarried(reports: PolicyReports | undefined, report: unknown, reply: FastifyReply): void {
  try {
    reports?.record(report);
  } catch (error) {
    if (!isRegistryError(error) || error.code !== "REGISTRY_REPORT_CLAIMED") throw error;
    reply.header(REPORT_REFUSED_HEADER, "claimed");
  }
}
