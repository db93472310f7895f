import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { ChunkedGzip } from "../chunked-gzip.js";
import { collectionWantsJson, sendEurekaDocument } from "../content-negotiation.js";
import type { ServerContext } from "../context.js";
import { notFound } from "../errors.js";
import {
  applicationsDocument,
  FULL_FETCH_CHUNKING,
  latestChangesByApp,
  toEurekaApplication,
  toEurekaApplications,
  toEurekaInstance,
} from "../eureka-codec.js";
import { toEurekaXml } from "../eureka-xml.js";
import { XML_CHUNKING, xmlApplicationsDocument } from "../eureka-xml-parts.js";
import type { Lease } from "../registry-types.js";
import { sendCached } from "../response-cache.js";
import { StatusCounts } from "../status-counts.js";

interface Params {
  app: string;
  id: string;
  vip: string;
}

/**
 * Whether an instance answers to a vip (or secure vip), as Eureka's ResponseCacheImpl `getApplicationsForVip` reads
 * it: the address the client sent, split at commas as it is (no trimming), compared exactly (case counts); an
 * instance that sent none answers to no vip.
 */
function hasVip(lease: Lease, secure: boolean, vip: string): boolean {
  const raw = secure ? lease.info.secureVipAddress : lease.info.vipAddress;
  return raw?.split(",").includes(vip) === true;
}

/**
 * Eureka's read API: full fetch, delta, one app, one instance, vips and svips, all cached until the next write,
 * each as JSON when the request's `Accept` names it and as Eureka's XML otherwise (Eureka's default).
 */
export function eurekaReadRoutes(ctx: ServerContext): FastifyPluginCallback {
  const { registry, cache } = ctx;
  const byVip = (vip: string, secure: boolean) => {
    const apps = new Map<string, Lease[]>();
    for (const [name, leases] of registry.applications()) {
      const matching = leases.filter((lease) => hasVip(lease, secure, vip));
      if (matching.length > 0) apps.set(name, matching);
    }
    return toEurekaApplications(apps, registry.version);
  };
  /** A cached Eureka document, as JSON or (Eureka's default) XML; the XML is its own cached encoding. */
  const sendDocument = (request: FastifyRequest, reply: FastifyReply, key: string, build: () => unknown) =>
    collectionWantsJson(request)
      ? sendCached(request, reply, cache.get(key, build))
      : sendCached(
          request,
          reply,
          cache.getText(`xml:${key}`, () => toEurekaXml(build())),
          "application/xml",
        );
  // The full fetch and the delta, each as JSON and as XML (Eureka's default, what Python and Go clients read), are
  // assembled from per-instance pieces kept per lease: after a write only the changed instances' chunks are
  // encoded and compressed again (about 64 of 10 000), so ten pollers after each change cost one small rebuild.
  const statusCounts = new StatusCounts(registry);
  const encoders = {
    apps: { json: new ChunkedGzip(FULL_FETCH_CHUNKING), xml: new ChunkedGzip(XML_CHUNKING) },
    delta: { json: new ChunkedGzip(FULL_FETCH_CHUNKING), xml: new ChunkedGzip(XML_CHUNKING) },
  };
  const sendApplications = (request: FastifyRequest, reply: FastifyReply, kind: "apps" | "delta") => {
    const json = collectionWantsJson(request);
    const entry = cache.getEncoded(json ? kind : `xml:${kind}`, () => {
      const apps = kind === "apps" ? registry.applications() : latestChangesByApp(registry.recentChanges());
      const document = json ? applicationsDocument : xmlApplicationsDocument;
      const { head, parts } = document(apps, registry.version, statusCounts.hashCode());
      return encoders[kind][json ? "json" : "xml"].encode(head, parts);
    });
    return sendCached(request, reply, entry, json ? "application/json" : "application/xml");
  };
  return (app, _options, done) => {
    app.addHook("onClose", async () => statusCounts.close());
    app.get("/apps", async (request, reply) => sendApplications(request, reply, "apps"));

    app.get("/apps/delta", async (request, reply) => sendApplications(request, reply, "delta"));

    app.get<{ Params: Pick<Params, "app"> }>("/apps/:app", async (request, reply) => {
      const name = request.params.app.toUpperCase();
      const leases = registry.application(name);
      if (leases.length === 0) throw notFound(`Application ${name} is not registered`);
      return sendDocument(request, reply, `app:${name}`, () => ({ application: toEurekaApplication(name, leases) }));
    });

    // Single instances are read live (not cached), so their lease timestamps are always current.
    app.get<{ Params: Pick<Params, "app" | "id"> }>("/apps/:app/:id", async (request, reply) => {
      const lease = registry.get(request.params.app, request.params.id);
      if (!lease)
        throw notFound(`Instance ${request.params.id} of ${request.params.app.toUpperCase()} is not registered`);
      return sendEurekaDocument(request, reply, { instance: toEurekaInstance(lease) });
    });

    app.get<{ Params: Pick<Params, "id"> }>("/instances/:id", async (request, reply) => {
      for (const leases of registry.applications().values()) {
        const lease = leases.find((l) => l.info.instanceId === request.params.id);
        if (lease) return sendEurekaDocument(request, reply, { instance: toEurekaInstance(lease) });
      }
      throw notFound(`Instance ${request.params.id} is not registered`);
    });

    app.get<{ Params: Pick<Params, "vip"> }>("/vips/:vip", async (request, reply) =>
      sendDocument(request, reply, `vip:${request.params.vip}`, () => byVip(request.params.vip, false)),
    );

    app.get<{ Params: Pick<Params, "vip"> }>("/svips/:vip", async (request, reply) =>
      sendDocument(request, reply, `svip:${request.params.vip}`, () => byVip(request.params.vip, true)),
    );
    done();
  };
}
