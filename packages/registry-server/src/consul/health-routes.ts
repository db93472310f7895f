import type { FastifyPluginCallback } from "fastify";
import { badRequest } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { queryFilter } from "./filter.js";
import type { CheckView } from "./mapping.js";
import { passesNodeMeta } from "./node-meta.js";
import {
  allPassing,
  answerKey,
  block,
  flag,
  globalIndex,
  isThisNode,
  type ServiceQuery,
  serviceIndex,
  withTags,
} from "./query-params.js";
import { healthChecksSchema, healthServiceSchema, idParams } from "./schemas.js";
import { SharedAnswers } from "./shared-answers.js";
import { allViews, checkJson, healthEntryJson, type InstanceView, nodeChecks, serviceViews } from "./views.js";

/** Consul's check states, and `any` for `/v1/health/state/:state` (api/health.go). */
const STATES = new Set(["any", "passing", "warning", "critical"]);

/**
 * Consul's `/v1/health` endpoints (agent/health_endpoint.go), each a blocking query that takes `?filter=` over
 * the records it answers: a service's entries, a service's checks, a node's checks and the checks in a state.
 */
export function healthRoutes(context: ConsulContext): FastifyPluginCallback {
  const { registry, agent, node } = context;
  const now = () => context.clock.now();
  const global = () => context.index.global();
  // Waiters woken by one change share one encoded answer (the key names everything else the answer depends on).
  const shared = new SharedAnswers(global, context.clock);

  /** Every check of the node and its services, each with the service it belongs to. */
  const everyCheck = (): { check: CheckView; view: InstanceView | undefined }[] => [
    ...nodeChecks(agent).map((check) => ({ check, view: undefined })),
    ...allViews(registry, agent, now()).flatMap((view) => view.checks.map((check) => ({ check, view }))),
  ];

  return (app, _options, done) => {
    app.get<{ Params: { service: string }; Querystring: ServiceQuery }>(
      "/health/service/:service",
      { schema: { params: idParams("service"), response: { 200: healthServiceSchema } } },
      async (request, reply) => {
        const passingOnly = flag(request.query.passing, "passing");
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, serviceIndex(context, request.params.service));
        if (!passesNodeMeta(request.query["node-meta"])) return [];
        const body = shared.get(answerKey("health", request.params.service, request.query), () => {
          const onNode = nodeChecks(agent);
          if (passingOnly && !allPassing(onNode)) return [];
          return withTags(serviceViews(registry, agent, request.params.service, now()), request.query.tag)
            .filter((view) => !passingOnly || allPassing(view.checks))
            .map((view) => healthEntryJson(view, node, onNode))
            .filter(keep);
        });
        return reply.type("application/json").send(body);
      },
    );

    app.get<{ Params: { service: string }; Querystring: ServiceQuery }>(
      "/health/checks/:service",
      { schema: { params: idParams("service"), response: { 200: healthChecksSchema } } },
      async (request, reply) => {
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, serviceIndex(context, request.params.service));
        if (!passesNodeMeta(request.query["node-meta"])) return [];
        return serviceViews(registry, agent, request.params.service, now())
          .flatMap((view) => view.checks.map((check) => checkJson(check, view, node)))
          .filter(keep);
      },
    );

    app.get<{ Params: { node: string }; Querystring: ServiceQuery }>(
      "/health/node/:node",
      { schema: { params: idParams("node"), response: { 200: healthChecksSchema } } },
      async (request, reply) => {
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, globalIndex(context));
        if (!isThisNode(context, request.params.node)) return [];
        return everyCheck()
          .map(({ check, view }) => checkJson(check, view, node))
          .filter(keep);
      },
    );

    app.get<{ Params: { state: string }; Querystring: ServiceQuery }>(
      "/health/state/:state",
      { schema: { params: idParams("state"), response: { 200: healthChecksSchema } } },
      async (request, reply) => {
        const { state } = request.params;
        if (!STATES.has(state)) throw badRequest(`Invalid check state: "${state.slice(0, 32)}"`);
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, globalIndex(context));
        if (!passesNodeMeta(request.query["node-meta"])) return [];
        return everyCheck()
          .filter(({ check }) => state === "any" || check.status === state)
          .map(({ check, view }) => checkJson(check, view, node))
          .filter(keep);
      },
    );
    done();
  };
}
