import type { FastifyPluginCallback } from "fastify";
import type { ConsulContext } from "./context.js";
import { ACCEPT_ALL, queryFilter } from "./filter.js";
import { passesNodeMeta } from "./node-meta.js";
import {
  answerKey,
  block,
  globalIndex,
  isThisNode,
  type ServiceQuery,
  serviceIndex,
  withTags,
} from "./query-params.js";
import {
  catalogNodeSchema,
  catalogNodesSchema,
  catalogServiceSchema,
  catalogServicesSchema,
  idParams,
} from "./schemas.js";
import { SharedAnswers } from "./shared-answers.js";
import { allViews, catalogEntryJson, nodeJson, serviceJson, serviceViews } from "./views.js";

/**
 * Consul's `/v1/catalog` endpoints (agent/catalog_endpoint.go), each a blocking query taking `?filter=` but
 * `datacenters`, and the raft status stubs. This registry is one node: every service sits on it, and it lists itself as `consul`.
 */
export function catalogRoutes(context: ConsulContext): FastifyPluginCallback {
  const { registry, agent, node } = context;
  const now = () => context.clock.now();
  const global = () => context.index.global();
  const self = () => nodeJson(node, { create: 1, modify: context.index.global() });
  // Waiters woken by one change share one encoded answer (the key names everything else the answer depends on).
  const shared = new SharedAnswers(global, context.clock);

  return (app, _options, done) => {
    app.get<{ Params: { service: string }; Querystring: ServiceQuery }>(
      "/catalog/service/:service",
      { schema: { params: idParams("service"), response: { 200: catalogServiceSchema } } },
      async (request, reply) => {
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, serviceIndex(context, request.params.service));
        if (!passesNodeMeta(request.query["node-meta"])) return [];
        const body = shared.get(answerKey("catalog", request.params.service, request.query), () =>
          withTags(serviceViews(registry, agent, request.params.service, now()), request.query.tag)
            .map((view) => catalogEntryJson(view, node))
            .filter(keep),
        );
        return reply.type("application/json").send(body);
      },
    );

    app.get<{ Querystring: ServiceQuery }>(
      "/catalog/services",
      { schema: { response: { 200: catalogServicesSchema } } },
      async (request, reply) => {
        // Consul 1.14+ filters the service instances (ServiceNode fields: ServiceName, ServiceTags, ServiceMeta, ...)
        // before listing names; Prometheus's consul_sd `filter` sends it here (prometheus/prometheus#11224).
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, globalIndex(context));
        if (!passesNodeMeta(request.query["node-meta"])) return {};
        // Names match case-insensitively (one Eureka app): a service registered through Consul keeps its own
        // spelling, a Eureka app shows lower-cased.
        const tags = new Map<string, { label: string; tags: Set<string> }>();
        for (const view of allViews(registry, agent, now())) {
          if (keep !== ACCEPT_ALL && !keep(catalogEntryJson(view, node))) continue;
          const k = view.service.name.toLowerCase();
          const entry = tags.get(k) ?? { label: view.service.name, tags: new Set<string>() };
          if (entry.label === k) entry.label = view.service.name; // a Consul spelling wins over a lower-cased app
          for (const tag of view.service.tags) entry.tags.add(tag);
          tags.set(k, entry);
        }
        const out: Record<string, string[]> = {};
        for (const { label, tags: set } of tags.values()) out[label] = [...set];
        return out;
      },
    );

    app.get<{ Querystring: ServiceQuery }>(
      "/catalog/nodes",
      { schema: { response: { 200: catalogNodesSchema } } },
      async (request, reply) => {
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, globalIndex(context));
        return passesNodeMeta(request.query["node-meta"]) ? [self()].filter(keep) : [];
      },
    );

    app.get<{ Params: { node: string }; Querystring: ServiceQuery }>(
      "/catalog/node/:node",
      { schema: { params: idParams("node"), response: { 200: catalogNodeSchema } } },
      async (request, reply) => {
        // Consul filters the node's services (NodeService fields: ID, Service, Tags, Meta, Port, ...).
        const keep = queryFilter(request.query.filter);
        await block(context, request, reply, globalIndex(context));
        // Consul answers null for a node it does not know (Catalog.NodeServices leaves NodeServices nil).
        if (!isThisNode(context, request.params.node)) return reply.type("application/json").send("null");
        const services: Record<string, unknown> = {};
        for (const view of allViews(registry, agent, now())) {
          const json = serviceJson(view, node);
          if (keep(json)) services[view.service.id] = json;
        }
        return { Node: self(), Services: services };
      },
    );

    app.get("/catalog/datacenters", async (_request, reply) =>
      reply.type("application/json").send(JSON.stringify([node.datacenter])),
    );

    // A JSON string, as Consul answers (fastify would send a bare string as text).
    // Go's net.JoinHostPort, as raft prints its address: an IPv6 host in brackets (`[::1]:8300`).
    const server = () => JSON.stringify(`${node.address.includes(":") ? `[${node.address}]` : node.address}:8300`);
    app.get("/status/leader", async (_request, reply) => reply.type("application/json").send(server()));
    app.get("/status/peers", async (_request, reply) => reply.type("application/json").send(`[${server()}]`));
    done();
  };
}
