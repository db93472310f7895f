import type { ServerContext } from "./context.js";
import { policyDashboard } from "./policy/dashboard.js";
import type { Lease } from "./registry-types.js";
import { evictionSummary } from "./server-status.js";

function zoneOf(lease: Lease): string {
  const { info } = lease;
  return info.dataCenterInfo.metadata?.["availability-zone"] ?? info.metadata.zone ?? "default";
}

/**
 * One instance as the dashboard stream sends it: absolute times only, so an instance that did not change encodes
 * to the same text on every push and stays out of the diff.
 */
export function instanceRecord(app: string, lease: Lease): Record<string, unknown> {
  return {
    app,
    instanceId: lease.info.instanceId,
    hostName: lease.info.hostName,
    port: lease.info.port,
    status: lease.info.status,
    overriddenStatus: lease.info.overriddenStatus,
    zone: zoneOf(lease),
    registeredAt: lease.registeredAt,
    lastRenewedAt: lease.lastRenewedAt,
    expiresAt: lease.lastRenewedAt + lease.durationMs,
    metadata: { ...lease.info.metadata },
  };
}

/** The dashboard's policy rows (at most `MAX_DASHBOARD_SERVICES`) and how many services there are in all. */
function policySection(ctx: ServerContext): Record<string, unknown> {
  if (!ctx.policies) return {};
  const { rows, services } = policyDashboard(ctx.policies);
  return { policies: rows, policyServices: services };
}

/** The small, whole part of the dashboard's state: everything but the instances. */
export function dashboardSummary(ctx: ServerContext): Record<string, unknown> {
  const { registry } = ctx;
  return {
    now: registry.clock.now(),
    version: registry.version,
    instanceCount: registry.size,
    selfPreservation: ctx.selfPreservation.state(),
    evictions: ctx.evictor.total,
    eviction: evictionSummary(ctx),
    peers: ctx.peers(),
    events: ctx.events.list(),
    ...policySection(ctx),
  };
}

/** Everything the dashboard shows, as one JSON document (`GET /outrigger/dashboard`, and a stream's first event). */
export function dashboardState(ctx: ServerContext): Record<string, unknown> {
  const summary = dashboardSummary(ctx);
  const now = summary.now as number;
  const applications = [...ctx.registry.applications()].map(([name, leases]) => ({
    name,
    instances: leases.map((lease) => {
      const { app: _app, ...record } = instanceRecord(name, lease);
      return {
        ...record,
        leaseAgeMs: now - lease.registeredAt,
        expiresInMs: lease.lastRenewedAt + lease.durationMs - now,
      };
    }),
  }));
  return { ...summary, applications };
}
