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

/** The instances of a health.service answer (an array of `{Node, Service, Checks}`). */
export function parseConsulHealth(body: unknown): ServiceInstance[] {
  if (!Array.isArray(body)) {
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", "Consul answered health.service without an array");
  }
  return body.map(fromConsulHealthEntry).filter((i): i is ServiceInstance => i !== undefined);
}

/** An error of the `consul` client as a DiscoveryError: with an HTTP answer it was rejected, else unreachable. */
export function fromConsulError(error: unknown, what: string): DiscoveryError {
  const status = (error as { response?: { statusCode?: number } })?.response?.statusCode;
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
