import type { Lease, Registry } from "../registry.js";
import { type ConsulAgent, checksOf, type InstanceIndexes } from "./agent.js";
import type { ServiceView } from "./definition.js";
import { type CheckView, eurekaCheck, eurekaService } from "./mapping.js";

/** One instance as the Consul API shows it, whichever protocol registered it. */
export interface InstanceView {
  readonly service: ServiceView;
  readonly checks: readonly CheckView[];
  readonly indexes: InstanceIndexes;
}

/** The one node this registry pretends to be: Consul clients expect every service to sit on a node. */
export const NODE = { name: "outrigger", datacenter: "dc1", id: "00000000-0000-4000-8000-000000000001" } as const;

/** The Consul view of one lease: a Consul service's own definition and checks, or a Eureka instance's mapping. */
export function viewOf(agent: ConsulAgent, lease: Lease, now: number): InstanceView {
  const service = agent.serviceOf(lease.info.app, lease.info.instanceId);
  const indexes = agent.indexes(lease);
  if (service) return { service: service.definition, checks: checksOf(service), indexes };
  return { service: eurekaService(lease.info), checks: [eurekaCheck(lease, now)], indexes };
}

/** Every instance of one service (names match case-insensitively, as Eureka app names do). */
export function serviceViews(registry: Registry, agent: ConsulAgent, name: string, now: number): InstanceView[] {
  return registry.application(name).map((lease) => viewOf(agent, lease, now));
}

/** Consul's `Node` object. */
export function nodeJson(address: string, indexes: InstanceIndexes): Record<string, unknown> {
  return {
    ID: NODE.id,
    Node: NODE.name,
    Address: address,
    Datacenter: NODE.datacenter,
    TaggedAddresses: { lan: address, wan: address },
    Meta: {},
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}

/** Consul's service object, as `/v1/health/service` and `/v1/agent/services` show it. */
export function serviceJson(view: InstanceView): Record<string, unknown> {
  const { service, indexes } = view;
  return {
    ID: service.id,
    Service: service.name,
    Tags: [...service.tags],
    Address: service.address,
    Meta: { ...service.meta },
    Port: service.port,
    Weights: { Passing: service.weights.passing, Warning: service.weights.warning },
    EnableTagOverride: false,
    Datacenter: NODE.datacenter,
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}

/** Consul's health check object. */
export function checkJson(check: CheckView, view: InstanceView): Record<string, unknown> {
  return {
    Node: NODE.name,
    CheckID: check.id,
    Name: check.name,
    Status: check.status,
    Notes: check.notes,
    Output: check.output,
    ServiceID: view.service.id,
    ServiceName: view.service.name,
    ServiceTags: [...view.service.tags],
    Type: check.type,
    CreateIndex: view.indexes.create,
    ModifyIndex: view.indexes.modify,
  };
}

/** The node's own check, always passing: this registry is its own single, healthy node. */
function serfHealth(indexes: InstanceIndexes): Record<string, unknown> {
  return {
    Node: NODE.name,
    CheckID: "serfHealth",
    Name: "Serf Health Status",
    Status: "passing",
    Notes: "",
    Output: "Agent alive and reachable",
    ServiceID: "",
    ServiceName: "",
    ServiceTags: [],
    Type: "",
    CreateIndex: indexes.create,
    ModifyIndex: indexes.create,
  };
}

/** One entry of `/v1/health/service/:service`. */
export function healthEntryJson(view: InstanceView): Record<string, unknown> {
  return {
    Node: nodeJson(view.service.address, view.indexes),
    Service: serviceJson(view),
    Checks: [serfHealth(view.indexes), ...view.checks.map((check) => checkJson(check, view))],
  };
}

/** One entry of `/v1/catalog/service/:service`. */
export function catalogEntryJson(view: InstanceView): Record<string, unknown> {
  const { service, indexes } = view;
  return {
    ID: NODE.id,
    Node: NODE.name,
    Address: service.address,
    Datacenter: NODE.datacenter,
    TaggedAddresses: { lan: service.address, wan: service.address },
    NodeMeta: {},
    ServiceID: service.id,
    ServiceName: service.name,
    ServiceTags: [...service.tags],
    ServiceAddress: service.address,
    ServicePort: service.port,
    ServiceMeta: { ...service.meta },
    ServiceWeights: { Passing: service.weights.passing, Warning: service.weights.warning },
    ServiceEnableTagOverride: false,
    CreateIndex: indexes.create,
    ModifyIndex: indexes.modify,
  };
}
