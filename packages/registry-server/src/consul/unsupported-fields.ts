import { badRequest } from "./consul-error.js";

type Json = Record<string, unknown>;

/** True when a field carries a value (Consul's zero values — "", null, false, 0, {} and [] — mean "not set"). */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === "" || value === false || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

/**
 * Service registration fields this registry does not implement (api/agent.go `AgentServiceRegistration`): a mesh
 * (Kind, Proxy, Connect), Unix sockets, tagged addresses, Enterprise tenancy and locality. (`EnableTagOverride` is
 * taken: without catalog writes it changes nothing, as in Consul.) Refused rather than
 * dropped, so a client never believes a proxy or a namespace exists. `Kind: "typical"` and
 * `Namespace`/`Partition: "default"` are the defaults and pass.
 */
const SERVICE_FIELDS: Readonly<Record<string, string>> = {
  kind: "Kind",
  proxy: "Proxy",
  connect: "Connect",
  socketpath: "SocketPath",
  taggedaddresses: "TaggedAddresses",
  namespace: "Namespace",
  partition: "Partition",
  locality: "Locality",
};

/** Check fields (api/agent.go `AgentServiceCheck`) of check kinds or thresholds this registry does not run. */
const CHECK_FIELDS: Readonly<Record<string, string>> = {
  args: "Args",
  scriptargs: "ScriptArgs",
  script: "Script",
  grpc: "GRPC",
  h2ping: "H2PING",
  udp: "UDP",
  osservice: "OSService",
  dockercontainerid: "DockerContainerID",
  aliasnode: "AliasNode",
  aliasservice: "AliasService",
  successbeforepassing: "SuccessBeforePassing",
  failuresbeforewarning: "FailuresBeforeWarning",
  failuresbeforecritical: "FailuresBeforeCritical",
  namespace: "Namespace",
  partition: "Partition",
};

const DEFAULTS: Readonly<Record<string, string>> = { kind: "typical", namespace: "default", partition: "default" };

function found(raw: unknown, table: Readonly<Record<string, string>>): string[] {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return [];
  const names: string[] = [];
  for (const [key, value] of Object.entries(raw as Json)) {
    const folded = key.replace(/_/g, "").toLowerCase();
    const name = table[folded];
    if (name !== undefined && isSet(value) && value !== DEFAULTS[folded]) names.push(name);
  }
  return names;
}

/** Throws Consul's 400 naming every unsupported field, e.g. `unsupported fields: Connect, Kind`. */
function refuse(names: readonly string[]): void {
  if (names.length === 0) return;
  const list = [...new Set(names)].join(", ");
  const reason = `unsupported field${names.length > 1 ? "s" : ""}: ${list}`;
  throw badRequest(reason.length <= 79 ? reason : `${reason.slice(0, 76)}...`);
}

/** Refuses a check registration (`PUT /v1/agent/check/register`, or one check of a service) that uses any. */
export function refuseUnsupportedCheckFields(body: unknown): void {
  refuse(found(body, CHECK_FIELDS));
}

/** Refuses a service registration that uses any unsupported field, in the service or in its checks. */
export function refuseUnsupportedServiceFields(body: unknown): void {
  const names = found(body, SERVICE_FIELDS);
  if (typeof body === "object" && body !== null) {
    for (const [key, value] of Object.entries(body as Json)) {
      const folded = key.replace(/_/g, "").toLowerCase();
      if (folded === "check") names.push(...found(value, CHECK_FIELDS));
      if (folded === "checks" && Array.isArray(value)) for (const c of value) names.push(...found(c, CHECK_FIELDS));
    }
  }
  refuse(names);
}
