import type { InstanceInfo, InstanceStatus } from "../instance-info.js";
import type { Lease } from "../registry-types.js";
import type { CheckStatus, ServiceDefinition, ServiceView } from "./definition.js";

/** A check as the mapping needs it: its definition's id, name and notes, and its live status and output. */
export interface CheckView {
  readonly id: string;
  readonly name: string;
  readonly notes: string;
  readonly type: string;
  readonly status: CheckStatus;
  readonly output: string;
}

/** Metadata keys under which a Consul registration shows itself to Eureka clients. */
export const CONSUL_METADATA = {
  checkStatus: "consul.checkStatus",
  checkNote: "consul.checkNote",
  tags: "consul.tags",
  /** The registry node whose agent owns the service (see `replication/ownership.ts`). */
  node: "consul.node",
} as const;

/**
 * A Consul service lives until it is deregistered or reaped, not until a lease ends, so its registry lease is
 * made too long to matter (ten years); its checks, not renewals, decide its health.
 */
export const CONSUL_LEASE_SECS = 10 * 365 * 24 * 3600;

const severity: Readonly<Record<CheckStatus, number>> = { passing: 0, warning: 1, critical: 2 };

/** The worst status among checks (Consul's rule for a service); passing when there are none. */
export function aggregateStatus(checks: readonly CheckView[]): CheckStatus {
  let worst: CheckStatus = "passing";
  for (const check of checks) if (severity[check.status] > severity[worst]) worst = check.status;
  return worst;
}

/** Consul's id prefix of the check that maintenance mode adds to a service. */
export const MAINTENANCE_CHECK_PREFIX = "_service_maintenance:";

/** Consul's note on a maintenance check when the caller gave no reason. */
const DEFAULT_MAINTENANCE_REASON =
  "Maintenance mode is enabled for this service, but no reason was provided. This is a result of the /v1/agent/service/maintenance/:service_id endpoint.";

/** The check maintenance mode adds: critical, so the service leaves every `passing` answer until it is removed. */
export function maintenanceCheck(serviceId: string, reason: string): CheckView {
  return {
    id: `${MAINTENANCE_CHECK_PREFIX}${serviceId}`,
    name: "Service Maintenance Mode",
    notes: reason || DEFAULT_MAINTENANCE_REASON,
    type: "maintenance",
    status: "critical",
    output: "",
  };
}

/**
 * Consul → Eureka: passing and warning are UP (warning adds its note to metadata), critical is DOWN, and a service
 * in maintenance mode is OUT_OF_SERVICE (taken out of rotation on purpose, not unhealthy).
 */
export function toInstanceInfo(
  definition: ServiceDefinition,
  checks: readonly CheckView[],
  now: number,
  node?: string,
): InstanceInfo {
  const status = aggregateStatus(checks);
  const metadata: Record<string, string> = Object.create(null);
  Object.assign(metadata, definition.meta);
  metadata[CONSUL_METADATA.checkStatus] = status;
  if (node !== undefined) metadata[CONSUL_METADATA.node] = node;
  if (definition.tags.length > 0) metadata[CONSUL_METADATA.tags] = definition.tags.join(",");
  if (status === "warning") {
    metadata[CONSUL_METADATA.checkNote] = checks
      .filter((c) => c.status === "warning")
      .map((c) => c.output)
      .join("; ");
  }
  return {
    instanceId: definition.id,
    app: definition.name.toUpperCase(),
    hostName: definition.address,
    ipAddr: definition.address,
    status: checks.some((c) => c.id.startsWith(MAINTENANCE_CHECK_PREFIX))
      ? "OUT_OF_SERVICE"
      : status === "critical"
        ? "DOWN"
        : "UP",
    overriddenStatus: "UNKNOWN",
    port: definition.port,
    portEnabled: true,
    securePort: 443,
    securePortEnabled: false,
    vipAddress: definition.name,
    secureVipAddress: definition.name,
    homePageUrl: undefined,
    statusPageUrl: undefined,
    healthCheckUrl: undefined,
    dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
    metadata,
    leaseDurationInSecs: CONSUL_LEASE_SECS,
    renewalIntervalInSecs: undefined,
    lastDirtyTimestamp: now,
  };
}

/** Eureka statuses that still take traffic-ish: STARTING is reported as warning, the rest as critical. */
const eurekaToCheck: Readonly<Record<InstanceStatus, CheckStatus>> = {
  UP: "passing",
  STARTING: "warning",
  DOWN: "critical",
  OUT_OF_SERVICE: "critical",
  UNKNOWN: "critical",
};

/**
 * Eureka → Consul: the synthetic `service:<id>` check of a Eureka-registered instance mirrors its status and its
 * lease (a lease past its end is critical even before the eviction timer removes it).
 */
export function eurekaCheck(lease: Lease, now: number): CheckView {
  const { info } = lease;
  const endsAt = lease.lastRenewedAt + lease.durationMs;
  const expired = now > endsAt;
  const leaseText = expired
    ? `lease expired ${Math.round((now - endsAt) / 1000)}s ago`
    : `lease ends in ${Math.round((endsAt - now) / 1000)}s`;
  return {
    id: `service:${info.instanceId}`,
    name: "Eureka status and lease",
    notes: "Mirrors the instance's Eureka status and lease renewals",
    type: "ttl",
    status: expired ? "critical" : eurekaToCheck[info.status],
    output: `Eureka status ${info.status}; ${leaseText}`,
  };
}

/** How a Eureka instance looks as a Consul service: app name lower-cased, its metadata as Meta. */
export function eurekaService(info: InstanceInfo): ServiceView {
  return {
    id: info.instanceId,
    name: info.app.toLowerCase(),
    tags: [],
    address: info.ipAddr,
    port: info.portEnabled || !info.securePortEnabled ? info.port : info.securePort,
    meta: { ...info.metadata },
    weights: { passing: 1, warning: 1 },
  };
}
