import type { FastifyPluginCallback } from "fastify";
import { ChunkedGzip } from "../chunked-gzip.js";
import type { ServerContext } from "../context.js";
import { deltaDocument } from "../delta-document.js";
import { notFound } from "../errors.js";
import {
  applicationsDocument,
  FULL_FETCH_CHUNKING,
  toEurekaApplication,
  toEurekaApplications,
  toEurekaInstance,
} from "../eureka-codec.js";
import type { Lease } from "../registry.js";
import { sendCached } from "../response-cache.js";

interface Params {
  app: string;
  id: string;
  vip: string;
}

/** The vip (or secure vip) an instance answers to; Eureka allows a comma-separated list. */
function vipsOf(lease: Lease, secure: boolean): string[] {
  const { info } = lease;
  const raw = (secure ? info.secureVipAddress : info.vipAddress) ?? info.app.toLowerCase();
  return raw.split(",").map((v) => v.trim().toLowerCase());
}

/** Eureka's read API: full fetch, delta, one app, one instance, vips and svips, all cached until the next write. */
export function eurekaReadRoutes(ctx: ServerContext): FastifyPluginCallback {
  const { registry, cache } = ctx;
  const byVip = (vip: string, secure: boolean) => {
    const wanted = vip.toLowerCase();
    const apps = new Map<string, Lease[]>();
    for (const [name, leases] of registry.applications()) {
      const matching = leases.filter((lease) => vipsOf(lease, secure).includes(wanted));
      if (matching.length > 0) apps.set(name, matching);
    }
    return toEurekaApplications(apps, registry.version);
  };
  // After a write only the changed instances' chunks are encoded and compressed again (about 64 of 10 000).
  const fullFetch = new ChunkedGzip(FULL_FETCH_CHUNKING);
  // The delta is assembled the same way, so ten pollers after each change cost one small rebuild, not a re-encode.
  const deltaFetch = new ChunkedGzip(FULL_FETCH_CHUNKING);
  return (app, _options, done) => {
    app.get("/apps", async (request, reply) =>
      sendCached(
        request,
        reply,
        cache.getEncoded("apps", () => {
          const { head, parts } = applicationsDocument(registry.applications(), registry.version);
          return fullFetch.encode(head, parts);
        }),
      ),
    );

    app.get("/apps/delta", async (request, reply) =>
      sendCached(
        request,
        reply,
        cache.getEncoded("delta", () => {
          const { head, parts } = deltaDocument(registry.recentChanges(), registry.applications(), registry.version);
          return deltaFetch.encode(head, parts);
        }),
      ),
    );

    app.get<{ Params: Pick<Params, "app"> }>("/apps/:app", async (request, reply) => {
      const name = request.params.app.toUpperCase();
      const leases = registry.application(name);
      if (leases.length === 0) throw notFound(`Application ${name} is not registered`);
      return sendCached(
        request,
        reply,
        cache.get(`app:${name}`, () => ({ application: toEurekaApplication(name, leases) })),
      );
    });

    // Single instances are read live (not cached), so their lease timestamps are always current.
    app.get<{ Params: Pick<Params, "app" | "id"> }>("/apps/:app/:id", async (request) => {
      const lease = registry.get(request.params.app, request.params.id);
      if (!lease)
        throw notFound(`Instance ${request.params.id} of ${request.params.app.toUpperCase()} is not registered`);
      return { instance: toEurekaInstance(lease) };
    });

    app.get<{ Params: Pick<Params, "id"> }>("/instances/:id", async (request) => {
      for (const leases of registry.applications().values()) {
        const lease = leases.find((l) => l.info.instanceId === request.params.id);
        if (lease) return { instance: toEurekaInstance(lease) };
      }
      throw notFound(`Instance ${request.params.id} is not registered`);
    });

    app.get<{ Params: Pick<Params, "vip"> }>("/vips/:vip", async (request, reply) =>
      sendCached(
        request,
        reply,
        cache.get(`vip:${request.params.vip.toLowerCase()}`, () => byVip(request.params.vip, false)),
      ),
    );

    app.get<{ Params: Pick<Params, "vip"> }>("/svips/:vip", async (request, reply) =>
      sendCached(
        request,
        reply,
        cache.get(`svip:${request.params.vip.toLowerCase()}`, () => byVip(request.params.vip, true)),
      ),
    );
    done();
  };
}
