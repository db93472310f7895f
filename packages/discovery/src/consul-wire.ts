import { DiscoveryError } from "./errors.js";
import type { ServiceInstance } from "./service-instance.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * One entry of Consul's `GET /v1/health/service/{name}` as a ServiceInstance; undefined when it has no address.
 * `passing` was asked of the query, so every entry is UP. Tags become the comma-separated `metadata.tags` (what
 * `withTags` reads); `Meta.zone`, else the node's datacenter, becomes the zone.
 */
export function fromConsulHealthEntry(entry: unknown): ServiceInstance | undefined {
  if (!isObject(entry) || !isObject(entry.Service)) return undefined;
  const service = entry.Service;
  const node = isObject(entry.Node) ? entry.Node : {};
  // An empty Service.Address means "the node's address", as Consul's own DNS interface reads it.
  const host =
    (typeof service.Address === "string" && service.Address) || (typeof node.Address === "string" && node.Address);
  const port = Number(service.Port);
  if (!host || !Number.isInteger(port) || port <= 0) return undefined;
  const metadata: Record<string, string> = {};
  if (isObject(service.Meta))
    for (const [k, v] of Object.entries(service.Meta)) if (typeof v === "string") metadata[k] = v;
  const tags = Array.isArray(service.Tags) ? service.Tags.filter((t): t is string => typeof t === "string") : [];
  if (tags.length > 0) metadata.tags = tags.join(",");
  const zone = metadata.zone ?? (typeof node.Datacenter === "string" ? node.Datacenter : undefined);
  const weight = isObject(service.Weights) ? Number(service.Weights.Passing) : Number.NaN;
  return {
    id: String(service.ID ?? `${host}:${port}`),
    service: String(service.Service ?? "").toLowerCase(),
    host,
    port,
    secure: false,
    status: "UP",
    metadata,
    ...(zone ? { zone } : {}),
    ...(Number.isFinite(weight) && weight > 0 ? { weight } : {}),
  };
}

/**
 * The instances of a health.service answer (an array of `{Node, Service, Checks}`), each with an id no other holds.
 *
 * A service ID is unique per node only: Consul keys a catalog instance by node and ID (`indexFromServiceNode` in
 * `agent/consul/state/catalog_schema.go`), and every agent that loads a definition without `id` registers the
 * service's name as its ID (traefik/traefik#5850, fabiolb/fabio#383). So an ID that is the service's name — the
 * default — is always `ID@node`, whatever else the answer holds, and stays the same while its twins come and go;
 * an explicit ID that more than one node holds in the answer becomes `ID@node` on each of them. Either way the
 * balancer keeps their stats, ejection, health checks and retries apart. Any other ID stays as Consul gives it. An
 * entry the same as one before it (node, ID, address and port) is the same instance and is left out.
 */
export function parseConsulHealth(body: unknown): ServiceInstance[] {
  if (!Array.isArray(body)) {
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", "Consul answered health.service without an array");
  }
  const read: { instance: ServiceInstance; node: string; named: boolean }[] = [];
  const nodesById = new Map<string, Set<string>>();
  const seen = new Set<string>();
  for (const entry of body) {
    const instance = fromConsulHealthEntry(entry);
    if (!instance) continue;
    const node = isObject(entry.Node) && typeof entry.Node.Node === "string" ? entry.Node.Node : "";
    const whole = JSON.stringify([node, instance.id, instance.host, instance.port]);
    if (seen.has(whole)) continue;
    seen.add(whole);
    const named = instance.id.toLowerCase() === instance.service && node !== "";
    read.push({ instance, node, named });
    const nodes = nodesById.get(instance.id) ?? new Set<string>();
    nodesById.set(instance.id, nodes.add(node));
  }
  const taken = new Set<string>();
  const instances: ServiceInstance[] = [];
  for (const { instance, node, named } of read) {
    const shared = named || (nodesById.get(instance.id)?.size ?? 0) > 1;
    const base = shared ? `${instance.id}@${node}` : instance.id;
    // A qualified ID that meets an explicit one spelled the same (an ID may hold "@"), or twins on one node (not
    // in Consul, possible from a proxy's answer): numbered until unique.
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}#${n}`;
    taken.add(id);
    instances.push(id === instance.id ? instance : { ...instance, id });
  }
  return instances;
}

/**
 * An error of the `consul` client as a DiscoveryError: with an HTTP answer (`status`, by default the error's own) it
 * was rejected, else unreachable.
 */
export function fromConsulError(
  error: unknown,
  what: string,
  status = (error as { response?: { statusCode?: number } })?.response?.statusCode,
): DiscoveryError {
  if (status === 401 || status === 403) {
    return new DiscoveryError(
      "DISCOVERY_UNAUTHORIZED",
      `Consul refused ${what} (${status}): give the client the agent's token (option \`consul.token\`)`,
      { cause: error },
    );
  }
  if (status !== undefined) {
    return new DiscoveryError(
      "DISCOVERY_REGISTRY_REJECTED",
      `Consul answered ${what} with ${status}: read the agent's log`,
      {
        cause: error,
      },
    );
  }
  return new DiscoveryError(
    "DISCOVERY_REGISTRY_UNREACHABLE",
    `Consul is unreachable for ${what}: check that the agent runs and host/port are right`,
    { cause: error },
  );
}
