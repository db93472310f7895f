import { RegistryError } from "../errors.js";

/*
 * The Consul API answers errors as Consul does, in plain text (the Eureka side answers JSON); the stable code
 * travels in the `X-Outrigger-Error-Code` header, a longer explanation (when there is one) in
 * `X-Outrigger-Error-Detail`. Our own bodies stay under 80 characters: the `consul` npm client (through papi) shows a
 * plain-text body as the error's message only when it is shorter than that, else a bare "not found". Texts Consul
 * fixes itself are answered verbatim (below), since clients match on them.
 */

/** The longest body the `consul` npm client still shows as the message (papi: `res.body.length < 80`). */
export const MAX_REASON_CHARS = 79;

/** Cuts a reason to what a Consul client shows. */
export function short(reason: string): string {
  return reason.length <= MAX_REASON_CHARS ? reason : `${reason.slice(0, MAX_REASON_CHARS - 3)}...`;
}

/** A quoted id or name, cut so that the reason around it stays short. */
export function quoted(value: string, max = 32): string {
  return JSON.stringify(value.length <= max ? value : `${value.slice(0, max - 3)}...`);
}

/** A 400 with Consul's plain-text reason; `detail`, when given, goes to `X-Outrigger-Error-Detail`. */
export function badRequest(reason: string, detail?: string): RegistryError {
  const error = new RegistryError("REGISTRY_CONSUL_BAD_REQUEST", short(reason), 400);
  if (detail !== undefined) detailOf.set(error, detail);
  return error;
}

/** A 404 for an unknown service, check or endpoint. */
export function notFound(reason: string): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_NOT_FOUND", short(reason), 404);
}

/**
 * Errors whose text Consul itself fixes are answered with that text verbatim, longer than 80 characters or not:
 * clients match on it (Consul's own agent/local/state.go looks for "Unknown service"; LCMApps/consul-service-registrator
 * for papi's "not found" message plus the quoted id in the body; Go, .NET and Java TTL heartbeats for "does not have
 * associated TTL" before registering again). `%q` is Go's quoting, which JSON's matches for the ids Consul takes.
 */
const goQuoted = (id: string): string => JSON.stringify(id);

/** A 404 for an unknown service id, as Consul's vetServiceUpdateWithAuthorizer (agent/acl.go) words it. */
export function unknownServiceId(id: string): RegistryError {
  const reason = `Unknown service ID ${goQuoted(id)}. Ensure that the service ID is passed, not the service name.`;
  return new RegistryError("REGISTRY_CONSUL_NOT_FOUND", reason, 404);
}

/** A 404 for an unknown check id, as Consul's vetCheckUpdateWithAuthorizer (agent/acl.go) words it. */
export function unknownCheckId(id: string): RegistryError {
  const reason = `Unknown check ID ${goQuoted(id)}. Ensure that the check ID is passed, not the check name.`;
  return new RegistryError("REGISTRY_CONSUL_NOT_FOUND", reason, 404);
}

/** A 404 for a service this agent does not have, read by id: Consul's AgentService (agent/agent_endpoint.go) words it so. */
export function unknownLocalServiceId(id: string): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_NOT_FOUND", `unknown service ID: ${id}`, 404);
}

/** A check registered on a service the agent does not have: Consul's AgentRegisterCheck (agent/agent_endpoint.go), 404. */
export function unknownCheckService(id: string): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_NOT_FOUND", `ServiceID ${goQuoted(id)} does not exist`, 404);
}

/**
 * A status pushed to a check that is not a TTL check: Consul's updateTTLCheck (agent/agent.go) returns a plain error,
 * which its HTTP layer answers 500. The request is at fault, so the code is the bad-request one (and nothing is logged).
 */
export function notTtlCheck(id: string): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_BAD_REQUEST", `CheckID ${goQuoted(id)} does not have associated TTL`, 500);
}

/**
 * A read for another datacenter (`?dc=`): this registry is one datacenter and forwards nowhere, as a Consul server with
 * no route there answers (agent/consul/rpc.go `forwardDC`: `structs.ErrNoDCPath`, a 500). Never the local answer under
 * another datacenter's name.
 */
export function noPathToDatacenter(): RegistryError {
  return new RegistryError("REGISTRY_CONSUL_BAD_REQUEST", "No path to datacenter", 500);
}

/** The long explanation of an error, sent in `X-Outrigger-Error-Detail` beside the short body. */
export const detailOf = new WeakMap<RegistryError, string>();

/**
 * A 501 for a Consul feature this registry does not implement (KV, sessions, events, ...): an explicit error, so
 * a client never reads "not found" as "no such key". `detail` says why and what to use instead.
 */
export function unsupported(path: string, detail: string): RegistryError {
  const error = new RegistryError("REGISTRY_CONSUL_UNSUPPORTED", short(`unsupported endpoint: ${path}`), 501);
  detailOf.set(error, detail);
  return error;
}

/** A JSON value's kind in Go's `encoding/json` words (`UnmarshalTypeError.Value`): string, number, bool, array, object. */
function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * A body field of the wrong JSON type, answered as Consul answers it: Consul decodes a registration with Go's
 * `encoding/json` into typed structs (agent/structs/service_definition.go: `Port int`, `Tags []string`, `Weights
 * *Weights{Passing, Warning int}`), which refuses a value of another type (`"3"` for an `int`) with `Request decode
 * failed: json: cannot unmarshal string into ... of type int`. The short reason names the field, the type Consul
 * wants (Go's name for it) and the type sent — never a range rule that does not apply.
 */
export function typeMismatch(field: string, goType: string, value: unknown): RegistryError {
  const sent = jsonKind(value);
  return badRequest(
    `Request decode failed: ${field} must be ${/^[aeiou]/.test(goType) ? "an" : "a"} ${goType}, not ${sent === "array" || sent === "object" ? "an" : "a"} ${sent}`,
    `json: cannot unmarshal ${sent} into Go struct field ${field} of type ${goType}`,
  );
}
