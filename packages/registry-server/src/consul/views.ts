import type { Registry } from "../registry.js";
import type { Lease } from "../registry-types.js";
import { type ConsulAgent, checksOf, type InstanceIndexes } from "./agent.js";
import type { ServiceView } from "./definition.js";
import { type CheckView, eurekaCheck, eurekaService } from "./mapping.js";
import type { NodeIdentity } from "./node.js";
import { NODE_META } from "./node-meta.js";

/** One instance as the Consul API shows it, whichever protocol registered it. */
export interface InstanceView {
  readonly service: ServiceView;
  readonly checks: readonly CheckView[];
  readonly indexes: InstanceIndexes;
}

/** Consul servers list themselves as the `consul` service on their server RPC port (agent/consul/leader.go). */
export const CONSUL_SERVICE = "consul";
const CONSUL_SERVER_PORT = 8300;

/** The Consul view of one lease: a Consul service's own definition and checks, or a Eureka instance's mapping. */
export function viewOf(agent: ConsulAgent, lease: Lease, now: number): InstanceView {
  const service = agent.serviceOf(lease.info.app, lease.info.instanceId);
  const indexes = agent.indexes(lease);
  if (service) return { service: service.definition, checks: checksOf(service), indexes };
  return { service: eurekaService(lease.info), checks: [eurekaCheck(lease, now)], indexes };
}

/** The `consul` service of this server node, with no checks of its own (serfHealth covers it). */
function consulView(): InstanceView {
  return {
    service: {
      id: CONSUL_SERVICE,
      name: CONSUL_SERVICE,
      tags: [],
      address: "",
      port: CONSUL_SERVER_PORT,
      meta: {},
      weights: { passing: 1, warning: 1 },
    },
    checks: [],
    indexes: { create: 1, modify: 1 },
  };
}

/** Every instance of one service (names match case-insensitively, as Eureka app names do); `consul` is the node. */
export function serviceViews(registry: Registry, agent: ConsulAgent, name: string, now: number): InstanceView[] {
  const views = registry.application(name).map((lease) => viewOf(agent, lease, now));
  return name.toLowerCase() === CONSUL_SERVICE ? [consulView(), ...views] : views;
}

/** Every instance of every service, the node's `consul` service first. */
export function allViews(registry: Registry, agent: ConsulAgent, now: number): InstanceView[] {
  const views = [consulView()];
  for (const leases of registry.applications().values()) for (const l of leases) views.push(viewOf(agent, l, now));
  return views;
}

/** Consul's `Node` object. */
export function nodeJson(node: NodeIdentity, indexes: InstanceIndexes): Record<string, unknown> {
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, wan: node.address },
    Meta: { ...NODE_META },
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}

/** Consul's service object, as `/v1/health/service` and `/v1/agent/services` show it. */
export function serviceJson(view: InstanceView, node: NodeIdentity): Record<string, unknown> {
  const { service, indexes } = view;
  return {
    ID: service.id,
    Service: service.name,
    Tags: [...service.tags],
    Address: service.address,
    Meta: { ...service.meta },
    Port: service.port,
    Weights: { Passing: service.weights.passing, Warning: service.weights.warning },
    EnableTagOverride: service.enableTagOverride ?? false,
    Datacenter: node.datacenter,
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}

/** Consul's health check object; a node check (no `view`) has empty service fields. */
export function checkJson(
  check: CheckView,
  view: InstanceView | undefined,
  node: NodeIdentity,
): Record<string, unknown> {
  const indexes = view?.indexes ?? { create: 1, modify: 1 };
  return {
    Node: node.name,
    CheckID: check.id,
    Name: check.name,
    Status: check.status,
    Notes: check.notes,
    Output: check.output,
    ServiceID: view?.service.id ?? "",
    ServiceName: view?.service.name ?? "",
    ServiceTags: view ? [...view.service.tags] : [],
    Type: check.type,
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}

/** The node's gossip check, always passing: this registry is its own node, alive while it answers. */
export const SERF_HEALTH: CheckView = {
  id: "serfHealth",
  name: "Serf Health Status",
  notes: "",
  type: "",
  status: "passing",
  output: "Agent alive and reachable",
};

/** The node's checks as Consul lists them: serfHealth, then node maintenance and checks registered on the node. */
export function nodeChecks(agent: ConsulAgent): readonly CheckView[] {
  return [SERF_HEALTH, ...agent.node.list()];
}

/** One entry of `/v1/health/service/:service`: the node, the service, the node's checks then the service's. */
export function healthEntryJson(
  view: InstanceView,
  node: NodeIdentity,
  onNode: readonly CheckView[],
): Record<string, unknown> {
  return {
    Node: nodeJson(node, view.indexes),
    Service: serviceJson(view, node),
    Checks: [
      ...onNode.map((check) => checkJson(check, undefined, node)),
      ...view.checks.map((check) => checkJson(check, view, node)),
    ],
  };
}

/** One entry of `/v1/catalog/service/:service`. */
export function catalogEntryJson(view: InstanceView, node: NodeIdentity): Record<string, unknown> {
  const { service, indexes } = view;
  return {
    ID: node.id,
    Node: node.name,
    Address: node.address,
    Datacenter: node.datacenter,
    TaggedAddresses: { lan: node.address, wan: node.address },
    NodeMeta: { ...NODE_META },
    ServiceID: service.id,
    ServiceName: service.name,
    ServiceTags: [...service.tags],
    ServiceAddress: service.address,
    ServicePort: service.port,
    ServiceMeta: { ...service.meta },
    ServiceWeights: { Passing: service.weights.passing, Warning: service.weights.warning },
    ServiceEnableTagOverride: service.enableTagOverride ?? false,
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}
