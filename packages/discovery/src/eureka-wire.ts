import { DiscoveryError } from "./errors.js";
import type { InstanceStatus, ServiceInstance } from "./service-instance.js";

/** What a service says about itself when it registers. */
export interface InstanceRegistration {
  readonly app: string;
  readonly host: string;
  readonly port: number;
  readonly instanceId?: string;
  readonly ipAddr?: string;
  readonly secure?: boolean;
  readonly zone?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The instance id a registration will have, derived as Eureka does when none is given. */
export function registrationId(registration: InstanceRegistration): string {
  return registration.instanceId ?? `${registration.host}:${registration.app.toLowerCase()}:${registration.port}`;
}

/** The body of Eureka's register call, in the shape stock Eureka servers accept. */
export function toRegistrationBody(
  registration: InstanceRegistration,
  status: InstanceStatus,
  lease: { renewalIntervalInSecs: number; durationInSecs: number },
): unknown {
  const app = registration.app.toUpperCase();
  const secure = registration.secure ?? false;
  const base = `${secure ? "https" : "http"}://${registration.host}:${registration.port}`;
  const metadata = { ...(registration.metadata ?? {}), ...(registration.zone ? { zone: registration.zone } : {}) };
  return {
    instance: {
      instanceId: registrationId(registration),
      hostName: registration.host,
      app,
      ipAddr: registration.ipAddr ?? registration.host,
      status,
      port: { $: registration.port, "@enabled": String(!secure) },
      securePort: { $: registration.port, "@enabled": String(secure) },
      vipAddress: registration.app.toLowerCase(),
      secureVipAddress: registration.app.toLowerCase(),
      homePageUrl: `${base}/`,
      statusPageUrl: `${base}/info`,
      healthCheckUrl: `${base}/health`,
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      leaseInfo: lease,
      metadata: Object.keys(metadata).length > 0 ? metadata : { "@class": "java.util.Collections$EmptyMap" },
    },
  };
}

function portOf(value: unknown): { port: number | undefined; enabled: boolean } {
  if (isObject(value)) {
    const n = Number(value.$);
    return { port: Number.isInteger(n) ? n : undefined, enabled: String(value["@enabled"]) === "true" };
  }
  const n = Number(value);
  return { port: Number.isInteger(n) ? n : undefined, enabled: true };
}

const statuses: ReadonlySet<string> = new Set(["UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN"]);

/** One instance of Eureka's JSON as a ServiceInstance; undefined when it has no usable address. */
export function fromEurekaInstance(raw: unknown): ServiceInstance | undefined {
  if (!isObject(raw)) return undefined;
  const host = typeof raw.hostName === "string" ? raw.hostName : undefined;
  const plain = portOf(raw.port);
  const secure = portOf(raw.securePort);
  const useSecure = secure.enabled && secure.port !== undefined && !(plain.enabled && plain.port !== undefined);
  const port = useSecure ? secure.port : plain.port;
  if (!host || port === undefined) return undefined;
  const metadata: Record<string, string> = {};
  if (isObject(raw.metadata)) {
    for (const [k, v] of Object.entries(raw.metadata)) if (k !== "@class" && typeof v === "string") metadata[k] = v;
  }
  const status =
    typeof raw.status === "string" && statuses.has(raw.status) ? (raw.status as InstanceStatus) : "UNKNOWN";
  const weight = metadata.weight !== undefined ? Number(metadata.weight) : undefined;
  return {
    id: String(raw.instanceId ?? host),
    service: String(raw.app ?? "").toLowerCase(),
    host,
    port,
    secure: useSecure,
    status,
    metadata,
    ...(metadata.zone ? { zone: metadata.zone } : {}),
    ...(weight !== undefined && Number.isFinite(weight) ? { weight } : {}),
  };
}

/** The instances of an `apps/{APP}` answer (`{"application": {"instance": [...]}}`). */
export function parseApplication(body: unknown): ServiceInstance[] {
  if (!isObject(body) || !isObject(body.application)) {
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", "Registry answered without an application object");
  }
  const raw = body.application.instance;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map(fromEurekaInstance).filter((i): i is ServiceInstance => i !== undefined);
}

/** One instance of a full or delta fetch, with its application and Eureka's `actionType` (deltas only). */
export interface ApplicationsEntry {
  readonly app: string;
  readonly action: string | undefined;
  readonly instance: ServiceInstance;
}

/** The instances and `apps__hashcode` of a full fetch (`GET apps`) or a delta (`GET apps/delta`). */
export function parseApplications(body: unknown): { hashcode: string; entries: ApplicationsEntry[] } {
  if (!isObject(body) || !isObject(body.applications)) {
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", "Registry answered without an applications object");
  }
  const apps = body.applications.application;
  const list = Array.isArray(apps) ? apps : apps === undefined ? [] : [apps];
  const entries: ApplicationsEntry[] = [];
  for (const app of list) {
    if (!isObject(app)) continue;
    const name = String(app.name ?? "").toUpperCase();
    const raw = Array.isArray(app.instance) ? app.instance : app.instance === undefined ? [] : [app.instance];
    for (const item of raw) {
      const instance = fromEurekaInstance(item);
      if (!instance) continue;
      const action = isObject(item) && typeof item.actionType === "string" ? item.actionType : undefined;
      entries.push({ app: name || instance.service.toUpperCase(), action, instance });
    }
  }
  return { hashcode: String(body.applications.apps__hashcode ?? ""), entries };
}

/** Eureka's `apps__hashcode` of a set of instances: `STATUS_count_` pairs sorted by status, e.g. `DOWN_1_UP_2_`. */
export function appsHashCode(instances: Iterable<ServiceInstance>): string {
  const counts = new Map<string, number>();
  for (const { status } of instances) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([status, count]) => `${status}_${count}_`)
    .join("");
}
