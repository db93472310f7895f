/*
 * The fields of Consul's API objects, from its API documentation and api/ structs (hashicorp/consul api/health.go
 * `HealthCheck`, api/catalog.go `Node`, `CatalogService`, `CatalogNode`, api/agent.go `AgentMember`,
 * `AgentService`). Enterprise-only fields (Namespace, Partition), mesh fields (Proxy, Connect, Kind) and peering
 * (PeerName) are left out: this registry does not have them, and Consul omits them when empty.
 */

/** api/health.go `HealthCheck`, as `/v1/health/*` and `/v1/agent/checks` return it. */
export const HEALTH_CHECK_FIELDS = [
  "CheckID",
  "CreateIndex",
  "ModifyIndex",
  "Name",
  "Node",
  "Notes",
  "Output",
  "ServiceID",
  "ServiceName",
  "ServiceTags",
  "Status",
  "Type",
];

/** api/catalog.go `Node` (`/v1/catalog/nodes`, a health entry's `Node`). */
export const NODE_FIELDS = [
  "Address",
  "CreateIndex",
  "Datacenter",
  "ID",
  "Meta",
  "ModifyIndex",
  "Node",
  "TaggedAddresses",
];

/** api/agent.go `AgentService` (`/v1/agent/services`, `/v1/catalog/node/:node` Services). */
export const SERVICE_FIELDS = [
  "Address",
  "CreateIndex",
  "Datacenter",
  "EnableTagOverride",
  "ID",
  "Meta",
  "ModifyIndex",
  "Port",
  "Service",
  "Tags",
  "Weights",
];

/** api/catalog.go `CatalogService` (`/v1/catalog/service/:service`). */
export const CATALOG_SERVICE_FIELDS = [
  "Address",
  "CreateIndex",
  "Datacenter",
  "ID",
  "ModifyIndex",
  "Node",
  "NodeMeta",
  "ServiceAddress",
  "ServiceEnableTagOverride",
  "ServiceID",
  "ServiceMeta",
  "ServiceName",
  "ServicePort",
  "ServiceTags",
  "ServiceWeights",
  "TaggedAddresses",
];

/** api/health.go `ServiceEntry` (`/v1/health/service/:service`). */
export const SERVICE_ENTRY_FIELDS = ["Checks", "Node", "Service"];

/** api/agent.go `AgentMember` (`/v1/agent/members`). */
export const MEMBER_FIELDS = [
  "Addr",
  "DelegateCur",
  "DelegateMax",
  "DelegateMin",
  "Name",
  "Port",
  "ProtocolCur",
  "ProtocolMax",
  "ProtocolMin",
  "Status",
  "Tags",
];

/** The sorted field names of an object, to compare with the lists above. */
export const fields = (value: unknown): string[] => Object.keys(value as object).sort();
