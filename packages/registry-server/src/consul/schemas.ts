/*
 * JSON schemas of the Consul API's answers. fastify serialises with them (fast-json-stringify), and they document
 * the shapes clients rely on; every property the views build is listed, so nothing is dropped silently.
 */

const text = { type: "string" } as const;
const whole = { type: "integer" } as const;
const texts = { type: "array", items: text } as const;
const textMap = { type: "object", additionalProperties: text } as const;
const weights = { type: "object", properties: { Passing: whole, Warning: whole } } as const;
const tagged = { type: "object", properties: { lan: text, wan: text } } as const;

/** The node's fields, which catalog entries carry inline. */
const nodeFields = { ID: text, Node: text, Address: text, Datacenter: text, TaggedAddresses: tagged } as const;

const node = {
  type: "object",
  properties: {
    ...nodeFields,
    Meta: textMap,
    CreateIndex: whole,
    ModifyIndex: whole,
  },
} as const;

/** Consul's service object (health entries, `/v1/agent/services`). */
export const serviceSchema = {
  type: "object",
  properties: {
    ID: text,
    Service: text,
    Tags: texts,
    Address: text,
    Meta: textMap,
    Port: whole,
    Weights: weights,
    EnableTagOverride: { type: "boolean" },
    Datacenter: text,
    CreateIndex: whole,
    ModifyIndex: whole,
  },
} as const;

/** `GET /v1/agent/service/:id`: the service object and its `ContentHash`. */
export const agentServiceSchema = {
  type: "object",
  properties: { ...serviceSchema.properties, ContentHash: text },
} as const;

/** Consul's health check object. */
export const checkSchema = {
  type: "object",
  properties: {
    Node: text,
    CheckID: text,
    Name: text,
    Status: { type: "string", enum: ["passing", "warning", "critical"] },
    Notes: text,
    Output: text,
    ServiceID: text,
    ServiceName: text,
    ServiceTags: texts,
    Type: text,
    CreateIndex: whole,
    ModifyIndex: whole,
  },
} as const;

/** `GET /v1/health/service/:service`. */
export const healthServiceSchema = {
  type: "array",
  items: {
    type: "object",
    properties: { Node: node, Service: serviceSchema, Checks: { type: "array", items: checkSchema } },
  },
} as const;

/** `GET /v1/catalog/service/:service`. */
export const catalogServiceSchema = {
  type: "array",
  items: {
    type: "object",
    properties: {
      ...nodeFields,
      NodeMeta: textMap,
      ServiceID: text,
      ServiceName: text,
      ServiceTags: texts,
      ServiceAddress: text,
      ServicePort: whole,
      ServiceMeta: textMap,
      ServiceWeights: weights,
      ServiceEnableTagOverride: { type: "boolean" },
      CreateIndex: whole,
      ModifyIndex: whole,
    },
  },
} as const;

/** `GET /v1/catalog/services`: service name → tags. */
export const catalogServicesSchema = { type: "object", additionalProperties: texts } as const;

/** `GET /v1/agent/services` and `/v1/agent/checks`: id → object. */
export const byIdSchema = (item: object) => ({ type: "object", additionalProperties: item }) as const;

/** The params of routes that name a service or check. */
export const idParams = (name: string) =>
  ({ type: "object", properties: { [name]: { type: "string", minLength: 1 } }, required: [name] }) as const;

/** `/v1/health/checks/:service`, `/v1/health/node/:node`, `/v1/health/state/:state`: a list of checks. */
export const healthChecksSchema = { type: "array", items: checkSchema } as const;

/** `GET /v1/catalog/nodes`. */
export const catalogNodesSchema = { type: "array", items: node } as const;

/** `GET /v1/catalog/node/:node`: the node and its services by id. */
export const catalogNodeSchema = {
  type: "object",
  properties: { Node: node, Services: { type: "object", additionalProperties: serviceSchema } },
} as const;

/** `GET /v1/agent/members`: Serf members (agent/agent_endpoint.go `AgentMembers`, api/agent.go `AgentMember`). */
export const membersSchema = {
  type: "array",
  items: {
    type: "object",
    properties: {
      Name: text,
      Addr: text,
      Port: whole,
      Tags: textMap,
      Status: whole,
      ProtocolMin: whole,
      ProtocolMax: whole,
      ProtocolCur: whole,
      DelegateMin: whole,
      DelegateMax: whole,
      DelegateCur: whole,
    },
  },
} as const;
