import type { FastifyPluginCallback } from "fastify";
import { badRequest, quoted, unknownServiceId } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { parseServiceDefinition } from "./definition.js";
import { queryFilter } from "./filter.js";
import { firstValue, parseGoBool } from "./go-bool.js";
import { CONSUL_COMPAT_VERSION } from "./node.js";
import { AGENT_META } from "./node-meta.js";
import { byIdSchema, idParams, membersSchema, serviceSchema } from "./schemas.js";
import { refuseUnsupportedServiceFields } from "./unsupported-fields.js";
import { serviceJson, viewOf } from "./views.js";

/** Serf's member states (github.com/hashicorp/serf `MemberStatus`): alive and failed. */
const ALIVE = 1;
const FAILED = 4;
/** Consul's Serf LAN port, reported for this node as Consul reports its own. */
const SERF_LAN_PORT = 8301;

/**
 * Maintenance's `?enable=`, as Consul's AgentServiceMaintenance (agent/agent_endpoint.go) reads it: required, its
 * first value through Go's `strconv.ParseBool` (`true`, `True`, `1`, `f`, ...).
 */
function enableFlag(value: string | readonly string[] | undefined): boolean {
  const enable = firstValue(value);
  // Consul: absent is "Missing value for enable"; present but empty fails ParseBool like any other bad value.
  if (enable === undefined) throw badRequest("Missing value for enable");
  const parsed = parseGoBool(enable);
  if (parsed === undefined) throw badRequest(`Invalid value for enable: ${quoted(enable)}`);
  return parsed;
}

/**
 * `?replace-existing-checks` as Consul's AgentRegisterService (agent/agent_endpoint.go) reads it: on when present
 * with its first value empty or exactly `true`. Not Go's ParseBool: `1` or `True` leave it off, without an error.
 */
function replaceExistingChecks(value: string | readonly string[] | undefined): boolean {
  const first = firstValue(value);
  return first === "" || first === "true";
}

/** Consul's protocol fields of a Serf member (api/agent.go `AgentMember`), as a 1.x server reports them. */
const PROTOCOL = { ProtocolMin: 1, ProtocolMax: 5, ProtocolCur: 2, DelegateMin: 2, DelegateMax: 5, DelegateCur: 4 };

/**
 * Consul's agent endpoints for services and the agent itself (agent/agent_endpoint.go): service register,
 * deregister and maintenance, node maintenance, the agent's services, its self description and its members.
 */
export function agentRoutes(context: ConsulContext): FastifyPluginCallback {
  const { agent, registry, node } = context;

  return (app, _options, done) => {
    app.put<{ Querystring: { "replace-existing-checks"?: string | string[] } }>(
      "/agent/service/register",
      async (request, reply) => {
        refuseUnsupportedServiceFields(request.body);
        const definition = parseServiceDefinition(request.body, request.ip, context.minDeregisterMs);
        agent.register(definition, {
          replaceExistingChecks: replaceExistingChecks(request.query["replace-existing-checks"]),
        });
        return reply.code(200).send();
      },
    );

    app.put<{ Params: { id: string } }>(
      "/agent/service/deregister/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        if (!agent.deregister(request.params.id)) throw unknownServiceId(request.params.id);
        return reply.code(200).send();
      },
    );

    app.put<{ Params: { id: string }; Querystring: { enable?: string; reason?: string } }>(
      "/agent/service/maintenance/:id",
      { schema: { params: idParams("id") } },
      async (request, reply) => {
        const enable = enableFlag(request.query.enable);
        if (!agent.setMaintenance(request.params.id, enable, request.query.reason ?? "")) {
          throw unknownServiceId(request.params.id);
        }
        return reply.code(200).send();
      },
    );

    app.put<{ Querystring: { enable?: string; reason?: string } }>("/agent/maintenance", async (request, reply) => {
      agent.node.setMaintenance(enableFlag(request.query.enable), request.query.reason ?? "");
      return reply.code(200).send();
    });

    app.get<{ Querystring: { filter?: string | string[] } }>(
      "/agent/services",
      { schema: { response: { 200: byIdSchema(serviceSchema) } } },
      async (request) => {
        const keep = queryFilter(request.query.filter);
        const now = context.clock.now();
        const out: Record<string, unknown> = {};
        for (const service of agent.services()) {
          const lease = registry.get(service.definition.name, service.definition.id);
          if (!lease) continue;
          const json = serviceJson(viewOf(agent, lease, now), node);
          if (keep(json)) out[service.definition.id] = json;
        }
        return out;
      },
    );

    const self = () => ({
      Name: node.name,
      Addr: node.address,
      Port: SERF_LAN_PORT,
      Tags: { role: "consul", dc: node.datacenter, id: node.id, build: `${CONSUL_COMPAT_VERSION}:outrigger` },
      Status: ALIVE,
      ...PROTOCOL,
    });

    app.get("/agent/self", async () => ({
      Config: {
        Datacenter: node.datacenter,
        NodeName: node.name,
        NodeID: node.id,
        Server: true,
        Revision: "outrigger",
        Version: CONSUL_COMPAT_VERSION,
      },
      Member: self(),
      Meta: { ...AGENT_META },
    }));

    app.get("/agent/members", { schema: { response: { 200: membersSchema } } }, async () => [
      self(),
      // Replication peers, named by host:port only (a peer URL's userinfo never leaves the server).
      ...context.peers().map((peer) => {
        const url = new URL(peer.url);
        const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
        return {
          Name: `${url.hostname}:${port}`,
          Addr: url.hostname.replace(/^\[(.*)\]$/, "$1"),
          Port: port,
          Tags: { role: "consul", dc: node.datacenter },
          Status: peer.healthy ? ALIVE : FAILED,
          ...PROTOCOL,
        };
      }),
    ]);
    done();
  };
}
