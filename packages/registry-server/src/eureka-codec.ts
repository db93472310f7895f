import type { ChunkingRules } from "./chunked-gzip.js";
import type { InstanceStatus } from "./instance-info.js";
import type { Lease, RegistryChange } from "./registry-types.js";

/** An instance in Eureka's JSON codec shape: port objects, string-typed timestamps. */
export type EurekaInstanceJson = Record<string, unknown>;

/**
 * Eureka's JSON for one lease; every field the client sent is kept, absent ones are left out — the page URLs and
 * vips among them, which Eureka's codec writes only when set (InstanceInfo's `@Auto` fields): one made up here
 * would send a dashboard or prober to a path the instance never offered.
 */
export function toEurekaInstance(lease: Lease): EurekaInstanceJson {
  const { info } = lease;
  return {
    instanceId: info.instanceId,
    hostName: info.hostName,
    app: info.app,
    ipAddr: info.ipAddr,
    sid: info.sid,
    appGroupName: info.appGroupName,
    asgName: info.asgName,
    status: info.status,
    overriddenStatus: info.overriddenStatus,
    port: { $: info.port, "@enabled": String(info.portEnabled) },
    securePort: { $: info.securePort, "@enabled": String(info.securePortEnabled) },
    countryId: info.countryId ?? 1,
    dataCenterInfo: info.dataCenterInfo,
    leaseInfo: {
      renewalIntervalInSecs: info.renewalIntervalInSecs ?? 30,
      durationInSecs: Math.round(lease.durationMs / 1000),
      registrationTimestamp: lease.registeredAt,
      lastRenewalTimestamp: lease.lastRenewedAt,
      evictionTimestamp: 0,
      serviceUpTimestamp: lease.registeredAt,
    },
    metadata:
      Object.keys(info.metadata).length > 0 ? { ...info.metadata } : { "@class": "java.util.Collections$EmptyMap" },
    homePageUrl: info.homePageUrl,
    statusPageUrl: info.statusPageUrl,
    healthCheckUrl: info.healthCheckUrl,
    secureHealthCheckUrl: info.secureHealthCheckUrl,
    vipAddress: info.vipAddress,
    secureVipAddress: info.secureVipAddress,
    isCoordinatingDiscoveryServer: "false",
    lastUpdatedTimestamp: String(lease.lastUpdatedAt),
    lastDirtyTimestamp: String(info.lastDirtyTimestamp),
    actionType: lease.actionType,
  };
}

/** Eureka's JSON for one application. */
export function toEurekaApplication(name: string, leases: readonly Lease[]): Record<string, unknown> {
  return { name, instance: leases.map(toEurekaInstance) };
}

/** Eureka's `apps__hashcode`: `STATUS_count_` pairs sorted by status, e.g. `DOWN_1_UP_2_`. */
export function appsHashCode(apps: ReadonlyMap<string, readonly Lease[]>): string {
  const counts = new Map<InstanceStatus, number>();
  for (const leases of apps.values()) {
    for (const { info } of leases) counts.set(info.status, (counts.get(info.status) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}_${count}_`)
    .join("");
}

/** Eureka's full-fetch document. */
export function toEurekaApplications(apps: ReadonlyMap<string, readonly Lease[]>, version: number): unknown {
  return {
    applications: {
      versions__delta: String(version),
      apps__hashcode: appsHashCode(apps),
      application: [...apps.entries()].map(([name, leases]) => toEurekaApplication(name, leases)),
    },
  };
}

/**
 * The instances of a delta window grouped by application, keeping only each instance's latest change (an instance
 * added then removed is DELETED), in the order Eureka's delta lists them. Both the whole-document and the
 * per-instance-parts encodings of `apps/delta` read it.
 */
export function latestChangesByApp(changes: readonly RegistryChange[]): Map<string, Lease[]> {
  // Only the latest change of each instance counts: an instance added then removed is DELETED. Instances keep the
  // place of their first change in the window (Map order); maps by app then id avoid building a key string per
  // change (this runs over up to 10 000 changes on every registry version).
  const latest = new Map<string, Map<string, Lease>>();
  for (const { lease } of changes) {
    let instances = latest.get(lease.info.app);
    if (!instances) {
      instances = new Map();
      latest.set(lease.info.app, instances);
    }
    instances.set(lease.info.instanceId, lease);
  }
  const byApp = new Map<string, Lease[]>();
  for (const [app, instances] of latest) byApp.set(app, [...instances.values()]);
  return byApp;
}

/**
 * Eureka's delta document: the instances changed within the delta window, each with its `actionType`, and the
 * hash code of the whole registry so a client can tell whether applying the delta left it in sync.
 */
export function toEurekaDelta(
  changes: readonly RegistryChange[],
  apps: ReadonlyMap<string, readonly Lease[]>,
  version: number,
): unknown {
  const byApp = latestChangesByApp(changes);
  return {
    applications: {
      versions__delta: String(version),
      apps__hashcode: appsHashCode(apps),
      application: [...byApp.entries()].map(([name, leases]) => toEurekaApplication(name, leases)),
    },
  };
}

/** Encoded instances, kept per lease object: leases are replaced on every change, so an entry never goes stale. */
const fragments = new WeakMap<Lease, Buffer>();

/** One instance's JSON bytes, encoded once per lease object. */
export function instanceBytes(lease: Lease): Buffer {
  let bytes = fragments.get(lease);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(toEurekaInstance(lease)));
    fragments.set(lease, bytes);
  }
  return bytes;
}

/** The full-fetch document as its head (version and hash code) and then literal JSON text and leases, in order. */
export interface ApplicationsDocument {
  readonly head: string;
  readonly parts: readonly (string | Lease)[];
}

/** The full-fetch document in parts, for encoders that keep what did not change (see `ChunkedGzip`). */
export function applicationsDocument(
  apps: ReadonlyMap<string, readonly Lease[]>,
  version: number,
  hashCode = appsHashCode(apps),
): ApplicationsDocument {
  const head = `{"applications":{"versions__delta":${JSON.stringify(String(version))},"apps__hashcode":${JSON.stringify(hashCode)},"application":[`;
  const parts: (string | Lease)[] = [];
  for (const [name, leases] of apps) {
    parts.push(`${parts.length === 0 ? "" : ","}{"name":${JSON.stringify(name)},"instance":[`);
    leases.forEach((lease, i) => {
      if (i > 0) parts.push(",");
      parts.push(lease);
    });
    parts.push("]}");
  }
  parts.push("]}}");
  return { head, parts };
}

/**
 * The full-fetch document as UTF-8 JSON, byte for byte `JSON.stringify(toEurekaApplications(...))`, assembled from
 * per-instance fragments: a full fetch after one change encodes one instance and copies the rest, instead of
 * serialising ten thousand (measured: about 3× faster than building and encoding one big string).
 */
export function encodeApplications(apps: ReadonlyMap<string, readonly Lease[]>, version: number): Buffer {
  const { head, parts } = applicationsDocument(apps, version);
  return Buffer.concat([
    Buffer.from(head),
    ...parts.map((part) => (typeof part === "string" ? Buffer.from(part) : instanceBytes(part))),
  ]);
}

/** FNV-1a: a fast, well-spread 32-bit hash of a short string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * One instance in 64 ends a chunk, so a chunk holds about 64 instances (55–100 KB of JSON): small enough that
 * compressing one again after a change takes a fraction of a millisecond, large enough that a 10 000-instance
 * registry is about 160 chunks (measured: after many renewals, 64 compressed a third faster than 32, as each
 * chunk's dictionary costs the same whatever its size).
 */
const INSTANCES_PER_CHUNK = 64;

/**
 * Where the full fetch is cut into chunks: after an instance whose id hashes to a multiple of 64. The id alone
 * decides, so a status change, a renewal or a new instance elsewhere moves no boundary.
 */
export const FULL_FETCH_CHUNKING: ChunkingRules<Lease> = {
  encode: instanceBytes,
  boundaryAfter: (lease) => fnv1a(lease.info.instanceId) % INSTANCES_PER_CHUNK === 0,
};
