import type { FastifyPluginCallback } from "fastify";
import type { RegistryError } from "../errors.js";
import { badRequest, notFound } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { type CheckStatus, parseServiceDefinition } from "./definition.js";
import { byIdSchema, checkSchema, idParams, serviceSchema } from "./schemas.js";
import { checkJson, NODE, serviceJson, viewOf } from "./views.js";

/** The Consul version reported to clients that look (agent/self); the API shapes served are those of 1.x. */
export const CONSUL_COMPAT_VERSION = "1.17.0";

const statusOf: Readonly<Record<string, CheckStatus>> = { pass: "passing", warn: "warning", fail: "critical" };

function unknownCheck(id: string): RegistryError {
  return notFound(`Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
}

/** Consul's agent endpoints: service register/deregister, TTL check updates, and the agent's own description. */
export function agentRoutes(context: ConsulContext): FastifyPluginCallback {
  const { agent, registry } = context;

  const ttlCheck = (id: string) => {
    const check = agent.check(id);
    if (!check) throw unknownCheck(id);
    if (!check.acceptsUpdates)
      throw badRequest(`CheckID "${id}" does not have associated TTL: only TTL checks take updates`);
    return check;
  };

  return (app, _options, done) => {
    app.put("/agent/service/register", async (request, reply) => {
      agent.register(parseServiceDefinition(request.body, request.ip, context.minDeregisterMs));
      return reply.code(200).send();
    });

    app.put<{ Params: { id: string } }>(
      "/agent/service/deregister/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        if (!agent.deregister(request.params.id)) {
          throw notFound(`Unknown service ID "${request.params.id}"`);
        }
        return reply.code(200).send();
      },
    );

    app.put<{ Params: { id: string }; Querystring: { enable?: string; reason?: string } }>(
      "/agent/service/maintenance/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        const { enable, reason } = request.query;
        if (enable === undefined || enable === "") throw badRequest("Missing value for enable");
        if (enable !== "true" && enable !== "false") {
          throw badRequest(`Invalid value for enable: "${enable}" (use true or false)`);
        }
        if (!agent.setMaintenance(request.params.id, enable === "true", reason ?? "")) {
          throw notFound(`Unknown service ID "${request.params.id}"`);
        }
        return reply.code(200).send();
      },
    );

    app.put<{ Params: { verb: string; id: string }; Querystring: { note?: string } }>(
      "/agent/check/:verb/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        const status = statusOf[request.params.verb];
        if (status === undefined) throw unknownEndpoint(request.method, request.url);
        ttlCheck(request.params.id).update(status, request.query.note ?? "");
        return reply.code(200).send();
      },
    );

    app.put<{ Params: { id: string } }>(
      "/agent/check/update/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        const body = (request.body ?? {}) as Record<string, unknown>;
        const raw = body.Status ?? body.status;
        const output = body.Output ?? body.output ?? "";
        if (raw !== "passing" && raw !== "warning" && raw !== "critical") {
          throw badRequest(`Invalid check status: "${String(raw)}" (use passing, warning or critical)`);
        }
        if (typeof output !== "string") throw badRequest("Request decode failed: Output must be a string");
        ttlCheck(request.params.id).update(raw, output);
        return reply.code(200).send();
      },
    );

    app.get("/agent/services", { schema: { response: { 200: byIdSchema(serviceSchema) } } }, async () => {
      const now = context.clock.now();
      const out: Record<string, unknown> = {};
      for (const service of agent.services()) {
        const lease = registry.get(service.definition.name, service.definition.id);
        if (lease) out[service.definition.id] = serviceJson(viewOf(agent, lease, now));
      }
      return out;
    });

    app.get("/agent/checks", { schema: { response: { 200: byIdSchema(checkSchema) } } }, async () => {
      const now = context.clock.now();
      const out: Record<string, unknown> = {};
      for (const service of agent.services()) {
        const lease = registry.get(service.definition.name, service.definition.id);
        if (!lease) continue;
        const view = viewOf(agent, lease, now);
        for (const check of view.checks) out[check.id] = checkJson(check, view);
      }
      return out;
    });

    app.get("/agent/self", async () => ({
      Config: {
        Datacenter: NODE.datacenter,
        NodeName: NODE.name,
        NodeID: NODE.id,
        Server: true,
        Revision: "outrigger",
        Version: CONSUL_COMPAT_VERSION,
      },
      Member: {
        Name: NODE.name,
        Addr: "127.0.0.1",
        Port: 8301,
        Tags: { dc: NODE.datacenter, role: "consul" },
        Status: 1,
      },
      Meta: {},
    }));
    done();
  };
}

/** A 404 for a path this registry does not serve, in Consul's plain text. */
export function unknownEndpoint(method: string, url: string): RegistryError {
  return notFound(
    `Unsupported Consul endpoint: ${method} ${url.split("?")[0]} (see the registry's README for what is served)`,
  );
}
