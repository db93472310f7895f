import { createHash } from "node:crypto";
import type { FastifyPluginCallback } from "fastify";
import { admitLongPoll } from "../hooks/long-poll-admission.js";
import { heldRequest } from "../hooks/shutdown.js";
import { waitRoomOf } from "./blocking.js";
import { unknownLocalServiceId } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { blockingHoldMs } from "./duration.js";
import { firstValue } from "./go-bool.js";
import { agentServiceSchema, idParams } from "./schemas.js";
import { serviceJson, viewOf } from "./views.js";

/**
 * The content hash of one agent service, as Consul's AgentService computes it over the answer (hashstructure over
 * `api.AgentService`, printed `%x`): opaque to clients, who only send it back as `?hash=`. It covers the service's
 * definition, not its indexes: a health change moves the registry's indexes but is no change of the definition, and
 * Consul's hash over local state does not move on it either.
 */
function contentHash(json: Record<string, unknown>): string {
  const { CreateIndex: _c, ModifyIndex: _m, Meta, ...definition } = json;
  // Meta is a map: its key order is no change (hashstructure hashes maps without order).
  const meta = Object.entries((Meta ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256")
    .update(JSON.stringify([definition, meta]))
    .digest("hex")
    .slice(0, 16);
}

/**
 * `GET /v1/agent/service/:service_id` (agent/agent_endpoint.go AgentService): one service of this agent in the
 * `/v1/agent/services` shape plus `ContentHash`, also sent as `X-Consul-ContentHash` (and, as Consul, no
 * `X-Consul-Index`: this is not an index-based query). An unknown id is Consul's 404
 * `unknown service ID: <id>`. Hash-based blocking as Consul's `Agent.LocalBlockingQuery`: without `?hash=` the answer
 * comes at once; with one, the request is held until the current hash differs (or the service is gone: then the
 * 404), until `?wait=` ends (5 minutes by default, at most 10, plus up to wait/16 of jitter — the `?index=` rule), or
 * until the client leaves. Held requests count against the long-poll caps like every blocking query.
 */
export function agentServiceRoute(context: ConsulContext): FastifyPluginCallback {
  const { agent, registry, node } = context;

  /** The service's answer with its hash; undefined when this agent has no service with the id. */
  const current = (id: string): { json: Record<string, unknown>; hash: string } | undefined => {
    const service = agent.service(id);
    const lease = service && registry.get(service.definition.name, service.definition.id);
    if (!lease) return undefined;
    const json = serviceJson(viewOf(agent, lease, context.clock.now()), node);
    return { json, hash: contentHash(json) };
  };

  return (app, _options, done) => {
    app.get<{ Params: { id: string }; Querystring: { hash?: string | string[]; wait?: string | string[] } }>(
      "/agent/service/:id",
      { schema: { params: idParams("id"), response: { 200: agentServiceSchema } } },
      async (request, reply) => {
        const { id } = request.params;
        // parseWait runs first in Consul, so a bad wait is a 400 whether or not the query would hold.
        const holdMs = blockingHoldMs(firstValue(request.query.wait), context.random);
        const hash = firstValue(request.query.hash) ?? "";
        const now = current(id);
        if (now && hash !== "" && now.hash === hash && holdMs > 0) {
          admitLongPoll(request, reply);
          const held = heldRequest(request, reply);
          try {
            const stillSame = () => current(id)?.hash === hash;
            await waitRoomOf(context.index).wait(
              `agent service\u0000${id}\u0000${hash}`,
              stillSame,
              holdMs,
              held.signal,
            );
          } finally {
            held.done();
          }
        }
        const answer = current(id);
        if (!answer) throw unknownLocalServiceId(id);
        reply.header("x-consul-contenthash", answer.hash);
        return { ...answer.json, ContentHash: answer.hash };
      },
    );
    done();
  };
}
