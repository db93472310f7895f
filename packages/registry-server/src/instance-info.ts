import { RegistryError } from "./errors.js";
import { intField, leaseSecondsField, portField, timestampField } from "./registration-limits.js";
import { routableId } from "./routable-id.js";

/** Eureka's instance statuses. */
export type InstanceStatus = "UP" | "DOWN" | "STARTING" | "OUT_OF_SERVICE" | "UNKNOWN";

const statuses: ReadonlySet<string> = new Set(["UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN"]);

/** A registered instance in the registry's own (normalised) form; the codec turns it into Eureka's JSON shape. */
export interface InstanceInfo {
  instanceId: string;
  app: string;
  hostName: string;
  ipAddr: string;
  status: InstanceStatus;
  overriddenStatus: InstanceStatus;
  port: number;
  portEnabled: boolean;
  securePort: number;
  securePortEnabled: boolean;
  vipAddress: string | undefined;
  secureVipAddress: string | undefined;
  homePageUrl: string | undefined;
  statusPageUrl: string | undefined;
  healthCheckUrl: string | undefined;
  secureHealthCheckUrl?: string | undefined;
  /** Eureka's `appGroupName`, `asgName`, `sid` and `countryId`, kept as sent (absent when not sent). */
  appGroupName?: string | undefined;
  asgName?: string | undefined;
  sid?: string | undefined;
  countryId?: number | undefined;
  dataCenterInfo: { "@class": string; name: string; metadata?: Record<string, string> };
  metadata: Record<string, string>;
  /** Lease duration the instance asked for, in seconds (leaseInfo.durationInSecs). */
  leaseDurationInSecs: number | undefined;
  renewalIntervalInSecs: number | undefined;
  lastDirtyTimestamp: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return fallback;
}

/** Eureka sends ports as `{"$": 8080, "@enabled": "true"}`; older clients send a number or a string. */
function port(
  value: unknown,
  enabledByDefault: boolean,
  field: string,
): { port: number | undefined; enabled: boolean } {
  if (isObject(value)) {
    return { port: portField(value.$, field), enabled: bool(value["@enabled"], enabledByDefault) };
  }
  return { port: portField(value, field), enabled: enabledByDefault };
}

/** Checks the numbers the registry keeps no copy of but Eureka would decode (`registration-limits.ts`). */
function checkTimestamps(raw: Json, lease: Json): void {
  timestampField(raw.lastUpdatedTimestamp, "instance.lastUpdatedTimestamp");
  for (const key of ["registrationTimestamp", "lastRenewalTimestamp", "evictionTimestamp", "serviceUpTimestamp"]) {
    timestampField(lease[key], `instance.leaseInfo.${key}`);
  }
}

function status(value: unknown, fallback: InstanceStatus): InstanceStatus {
  const s = text(value)?.toUpperCase();
  return s !== undefined && statuses.has(s) ? (s as InstanceStatus) : fallback;
}

/** Copies string-valued metadata into an object with no prototype, so keys like `__proto__` are plain data. */
export function safeMetadata(value: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!isObject(value)) return out;
  for (const [key, raw] of Object.entries(value)) {
    if (key === "@class") continue;
    const v = text(raw);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Eureka's data-centre names (`DataCenterInfo.Name`, a Java enum: its codec decodes these exactly and no other). */
const DATA_CENTER_NAMES: ReadonlySet<string> = new Set(["Netflix", "Amazon", "MyOwn"]);

/** The `@class` of an Amazon data-centre info; Eureka's codec decodes it as `AmazonInfo`, whose name is `Amazon`. */
const AMAZON_INFO_CLASS = "com.netflix.appinfo.AmazonInfo";

/**
 * The data-centre name Eureka's codec reads (`DataCenterTypeInfoResolver`): an `AmazonInfo` is `Amazon` whatever its
 * `name`; otherwise `name` must be one of `DataCenterInfo.Name`'s values, or the body does not decode — a 400
 * `REGISTRY_INVALID_FIELD` before any of addInstance's checks. Undefined when there is no name (addInstance's
 * `Missing dataCenterInfo Name`).
 */
function dataCenterName(info: Json | undefined): string | undefined {
  if (!info) return undefined;
  if (text(info["@class"]) === AMAZON_INFO_CLASS) return "Amazon";
  const name = text(info.name);
  if (!name) return undefined;
  if (!DATA_CENTER_NAMES.has(name)) {
    const shown = JSON.stringify(name.slice(0, 24));
    const message = `Invalid instance.dataCenterInfo.name: ${shown} (Netflix, Amazon or MyOwn)`;
    throw new RegistryError("REGISTRY_INVALID_FIELD", message);
  }
  return name;
}

/** True when `value` is one of Eureka's statuses. */
export function isInstanceStatus(value: unknown): value is InstanceStatus {
  return typeof value === "string" && statuses.has(value);
}

/**
 * Reads a registration body (`{"instance": {...}}`) leniently where Eureka is lenient, and refuses what Eureka's
 * ApplicationResource.addInstance refuses, in its order and with its 400 messages: no id (no `instanceId`, Amazon
 * `instance-id` or host name), no host name, no IP address, no `app`, an `app` other than the path's (both
 * upper-cased, as Eureka's codec and resource do), no dataCenterInfo or no dataCenterInfo name. A data-centre name
 * Eureka's codec cannot decode is refused before those (`dataCenterName`). The app is `appFromPath`, upper-cased.
 */
export function parseRegistration(body: unknown, appFromPath: string, now: number): InstanceInfo {
  const raw = isObject(body) && isObject(body.instance) ? body.instance : undefined;
  if (!raw) throw new RegistryError("REGISTRY_BAD_REQUEST", 'Missing instance: send {"instance": {...}}');
  const dataCenterInfo = isObject(raw.dataCenterInfo) ? raw.dataCenterInfo : undefined;
  const dcName = dataCenterName(dataCenterInfo);
  const dcMetadata = safeMetadata(dataCenterInfo?.metadata);
  // An AmazonInfo (a UniqueIdentifier): its `@class`, or, leniently, no class and the name Amazon.
  const dcClass = text(dataCenterInfo?.["@class"]);
  const amazon = dcClass === AMAZON_INFO_CLASS || (dcClass === undefined && dcName === "Amazon");
  const hostName = text(raw.hostName);
  // Eureka's InstanceInfo.getId(): instanceId, then an AmazonInfo's instance-id, then the host name.
  const instanceId = text(raw.instanceId) || (amazon ? dcMetadata["instance-id"] : undefined) || hostName;
  if (!instanceId) throw new RegistryError("REGISTRY_BAD_REQUEST", "Missing instanceId");
  if (!hostName) throw new RegistryError("REGISTRY_BAD_REQUEST", "Missing hostname");
  const ipAddr = text(raw.ipAddr);
  if (!ipAddr) throw new RegistryError("REGISTRY_BAD_REQUEST", "Missing ip address");
  const app = appFromPath.toUpperCase();
  const bodyApp = text(raw.app)?.toUpperCase();
  if (!bodyApp) throw new RegistryError("REGISTRY_BAD_REQUEST", "Missing appName");
  if (bodyApp !== app)
    throw new RegistryError("REGISTRY_BAD_REQUEST", `Mismatched appName, expecting ${app} but was ${bodyApp}`);
  if (!dataCenterInfo) throw new RegistryError("REGISTRY_BAD_REQUEST", "Missing dataCenterInfo");
  if (!dcName) throw new RegistryError("REGISTRY_BAD_REQUEST", "Missing dataCenterInfo Name");
  // addInstance: an AmazonInfo registered without an id gets the instance's.
  if (amazon && !dcMetadata["instance-id"]) dcMetadata["instance-id"] = instanceId;
  // Both travel in every renew and cancel URL: an id or app name no URL can carry is refused now, not at renew.
  routableId(instanceId, "instanceId");
  routableId(app, "app");
  const plain = port(raw.port, true, "instance.port");
  const secure = port(raw.securePort, false, "instance.securePort");
  const lease = isObject(raw.leaseInfo) ? raw.leaseInfo : {};
  checkTimestamps(raw, lease);
  return {
    instanceId,
    app,
    hostName,
    ipAddr,
    status: status(raw.status, "UP"),
    overriddenStatus: status(raw.overriddenStatus ?? raw.overriddenstatus, "UNKNOWN"),
    port: plain.port ?? 7001,
    portEnabled: plain.enabled,
    securePort: secure.port ?? 7002,
    securePortEnabled: secure.enabled,
    vipAddress: text(raw.vipAddress),
    secureVipAddress: text(raw.secureVipAddress),
    homePageUrl: text(raw.homePageUrl),
    statusPageUrl: text(raw.statusPageUrl),
    healthCheckUrl: text(raw.healthCheckUrl),
    secureHealthCheckUrl: text(raw.secureHealthCheckUrl),
    appGroupName: text(raw.appGroupName),
    asgName: text(raw.asgName),
    sid: text(raw.sid),
    countryId: intField(raw.countryId, "instance.countryId"),
    dataCenterInfo: {
      "@class": text(dataCenterInfo["@class"]) ?? "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo",
      name: dcName,
      ...(Object.keys(dcMetadata).length > 0 ? { metadata: { ...dcMetadata } } : {}),
    },
    metadata: safeMetadata(raw.metadata),
    // Eureka's LeaseInfo.Builder: a duration or interval ≤ 0 means "the default" (90 s lease, 30 s renewals).
    leaseDurationInSecs: leaseSecondsField(lease.durationInSecs, "instance.leaseInfo.durationInSecs"),
    renewalIntervalInSecs: leaseSecondsField(lease.renewalIntervalInSecs, "instance.leaseInfo.renewalIntervalInSecs"),
    lastDirtyTimestamp: timestampField(raw.lastDirtyTimestamp, "instance.lastDirtyTimestamp") ?? now,
  };
}
