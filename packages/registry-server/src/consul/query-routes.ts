import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { type BlockingParams, blockUntilChanged, consulIndex } from "./blocking.js";
import { badRequest } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { catalogServiceSchema, catalogServicesSchema, healthServiceSchema, idParams } from "./schemas.js";
import { SharedAnswers } from "./shared-answers.js";
import { catalogEntryJson, healthEntryJson, type InstanceView, serviceViews } from "./views.js";

interface ServiceQuery extends BlockingParams {
  readonly passing?: string;
  readonly tag?: string | string[];
  readonly filter?: string;
}

/** Consul reads `?passing` with no value as true, and otherwise as a boolean. */
function flag(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  if (value === "" || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw badRequest(`Invalid value for ?${name}: "${value}" (use true or false)`);
}

function tags(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function hasTags(view: InstanceView, wanted: readonly string[]): boolean {
  return wanted.every((tag) => view.service.tags.includes(tag));
}

/** Consul's read endpoints, each a blocking query: health and catalog of services, and the raft status stubs. */
export function queryRoutes(context: ConsulContext): FastifyPluginCallback {
  const { registry, agent } = context;

  /** Waits per the blocking params, then sets the index the answer is at. */
  const block = async (request: FastifyRequest, reply: FastifyReply, current: () => number): Promise<void> => {
    const left = new AbortController();
    request.raw.once("close", () => left.abort());
    await blockUntilChanged(registry, current, request.query as BlockingParams, context.random, left.signal);
    reply.header("x-consul-index", String(current()));
  };
  const serviceIndex = (name: string) => () => consulIndex(registry.appIndex(name));
  // Waiters woken by one change share one encoded answer (the key names everything the answer depends on).
  const shared = new SharedAnswers(registry, context.clock);
  const answerKey = (
    route: string,
    request: FastifyRequest<{ Params: { service: string }; Querystring: ServiceQuery }>,
  ) =>
    JSON.stringify([
      route,
      request.params.service.toUpperCase(),
      request.query.passing ?? null,
      tags(request.query.tag),
      request.query.filter ?? null,
    ]);
  const views = (request: FastifyRequest<{ Params: { service: string }; Querystring: ServiceQuery }>) => {
    if (request.query.filter !== undefined) throw badRequest("Filter expressions are not supported by this registry");
    const wanted = tags(request.query.tag);
    return serviceViews(registry, agent, request.params.service, context.clock.now()).filter((v) => hasTags(v, wanted));
  };

  return (app, _options, done) => {
    app.get<{ Params: { service: string }; Querystring: ServiceQuery }>(
      "/health/service/:service",
      { schema: { params: idParams("service"), response: { 200: healthServiceSchema } } },
      async (request, reply) => {
        const passingOnly = flag(request.query.passing, "passing");
        await block(request, reply, serviceIndex(request.params.service));
        const body = shared.get(answerKey("health", request), () =>
          views(request)
            .filter((view) => !passingOnly || view.checks.every((check) => check.status === "passing"))
            .map(healthEntryJson),
        );
        return reply.type("application/json").send(body);
      },
    );

    app.get<{ Params: { service: string }; Querystring: ServiceQuery }>(
      "/catalog/service/:service",
      { schema: { params: idParams("service"), response: { 200: catalogServiceSchema } } },
      async (request, reply) => {
        await block(request, reply, serviceIndex(request.params.service));
        const body = shared.get(answerKey("catalog", request), () => views(request).map(catalogEntryJson));
        return reply.type("application/json").send(body);
      },
    );

    app.get("/catalog/services", { schema: { response: { 200: catalogServicesSchema } } }, async (request, reply) => {
      await block(request, reply, () => consulIndex(registry.version));
      const now = context.clock.now();
      const out: Record<string, string[]> = {};
      for (const name of registry.applications().keys()) {
        const found = serviceViews(registry, agent, name, now);
        // A service registered through Consul keeps its own spelling; a Eureka app shows lower-cased.
        const label = found.find((v) => agent.serviceOf(name, v.service.id))?.service.name ?? name.toLowerCase();
        out[label] = [...new Set(found.flatMap((v) => v.service.tags))];
      }
      return out;
    });

    // A JSON string, as Consul answers (fastify would send a bare string as text).
    app.get("/status/leader", async (_request, reply) => reply.type("application/json").send('"127.0.0.1:8300"'));
    app.get(
      "/status/peers",
      { schema: { response: { 200: { type: "array", items: { type: "string" } } } } },
      async () => ["127.0.0.1:8300"],
    );
    done();
  };
}
