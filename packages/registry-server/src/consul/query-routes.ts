import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import { heldRequestSignal } from "../hooks/shutdown.js";
import { type BlockingParams, blockUntilChanged, consulIndex } from "./blocking.js";
import { badRequest } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { catalogServiceSchema, catalogServicesSchema, healthServiceSchema, idParams } from "./schemas.js";
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
    const signal = heldRequestSignal(request, reply);
    await blockUntilChanged(registry, current, request.query as BlockingParams, context.random, signal);
    reply.header("x-consul-index", String(current()));
  };
  const serviceIndex = (name: string) => () => consulIndex(registry.appIndex(name));
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
        return views(request)
          .filter((view) => !passingOnly || view.checks.every((check) => check.status === "passing"))
          .map(healthEntryJson);
      },
    );

    app.get<{ Params: { service: string }; Querystring: ServiceQuery }>(
      "/catalog/service/:service",
      { schema: { params: idParams("service"), response: { 200: catalogServiceSchema } } },
      async (request, reply) => {
        await block(request, reply, serviceIndex(request.params.service));
        return views(request).map(catalogEntryJson);
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
