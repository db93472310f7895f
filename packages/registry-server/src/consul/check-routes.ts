import type { FastifyPluginCallback } from "fastify";
import { badRequest, notFound, notTtlCheck, quoted, typeMismatch, unknownCheckId } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { type CheckStatus, parseCheck } from "./definition.js";
import { queryFilter } from "./filter.js";
import { byIdSchema, checkSchema, idParams } from "./schemas.js";
import { refuseUnsupportedCheckFields } from "./unsupported-fields.js";
import { checkJson, viewOf } from "./views.js";

const statusOf: Readonly<Record<string, CheckStatus>> = { pass: "passing", warn: "warning", fail: "critical" };

/** The value of a key in any case and with or without `_`, as the `consul` npm client folds them. */
function field(body: Record<string, unknown>, name: string): unknown {
  for (const [key, value] of Object.entries(body)) if (key.replace(/_/g, "").toLowerCase() === name) return value;
  return undefined;
}

/**
 * Consul's agent check endpoints (agent/agent_endpoint.go): register and deregister a check on a service or on
 * the node, push a TTL check's status, and list the agent's checks (`?filter=`).
 */
export function checkRoutes(context: ConsulContext): FastifyPluginCallback {
  const { agent, registry, node } = context;

  const ttlCheck = (id: string) => {
    const check = agent.check(id);
    if (!check) throw unknownCheckId(id);
    if (!check.acceptsUpdates) throw notTtlCheck(id);
    return check;
  };

  return (app, _options, done) => {
    app.put("/agent/check/register", async (request, reply) => {
      const body = request.body;
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw badRequest("Request decode failed: send a JSON object describing the check");
      }
      refuseUnsupportedCheckFields(body);
      const raw = body as Record<string, unknown>;
      const name = field(raw, "name");
      if (typeof name !== "string" || name === "") throw badRequest("Missing check name");
      const id = field(raw, "checkid") || field(raw, "id") || name;
      const serviceId = field(raw, "serviceid");
      if (serviceId !== undefined && serviceId !== null && typeof serviceId !== "string") {
        throw typeMismatch("ServiceID", "string", serviceId);
      }
      agent.registerCheck(parseCheck(body, String(id), context.minDeregisterMs), serviceId ?? undefined);
      return reply.code(200).send();
    });

    app.put<{ Params: { id: string } }>(
      "/agent/check/deregister/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        if (!agent.deregisterCheck(request.params.id)) throw unknownCheckId(request.params.id);
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
          throw badRequest(`Invalid check status: ${quoted(String(raw))}`);
        }
        if (typeof output !== "string") throw typeMismatch("Output", "string", output);
        ttlCheck(request.params.id).update(raw, output);
        return reply.code(200).send();
      },
    );

    app.put<{ Params: { verb: string; id: string }; Querystring: { note?: string } }>(
      "/agent/check/:verb/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        const status = statusOf[request.params.verb];
        if (status === undefined) throw notFound(`unsupported endpoint: /v1/agent/check/${request.params.verb}`);
        ttlCheck(request.params.id).update(status, request.query.note ?? "");
        return reply.code(200).send();
      },
    );

    app.get<{ Querystring: { filter?: string | string[] } }>(
      "/agent/checks",
      { schema: { response: { 200: byIdSchema(checkSchema) } } },
      async (request) => {
        const keep = queryFilter(request.query.filter);
        const now = context.clock.now();
        const out: Record<string, Record<string, unknown>> = {};
        for (const check of agent.node.list()) out[check.id] = checkJson(check, undefined, node);
        for (const service of agent.services()) {
          const lease = registry.get(service.definition.name, service.definition.id);
          if (!lease) continue;
          const view = viewOf(agent, lease, now);
          for (const check of view.checks) out[check.id] = checkJson(check, view, node);
        }
        for (const [id, check] of Object.entries(out)) if (!keep(check)) delete out[id];
        return out;
      },
    );
    done();
  };
}
