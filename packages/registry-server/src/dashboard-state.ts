import type { ServerContext } from "./context.js";
import type { Lease } from "./registry.js";
import { evictionSummary } from "./server-status.js";

function zoneOf(lease: Lease): string {
  const { info } = lease;
  return info.dataCenterInfo.metadata?.["availability-zone"] ?? info.metadata.zone ?? "default";
}

/** Everything the dashboard shows, in one JSON document pushed over server-sent events. */
export function dashboardState(ctx: ServerContext): Record<string, unknown> {
  const { registry } = ctx;
  const now = registry.clock.now();
  const applications = [...registry.applications()].map(([name, leases]) => ({
    name,
    instances: leases.map((lease) => ({
      instanceId: lease.info.instanceId,
      hostName: lease.info.hostName,
      port: lease.info.port,
      status: lease.info.status,
      overriddenStatus: lease.info.overriddenStatus,
      zone: zoneOf(lease),
      leaseAgeMs: now - lease.registeredAt,
      lastRenewedAt: lease.lastRenewedAt,
      expiresInMs: lease.lastRenewedAt + lease.durationMs - now,
      metadata: { ...lease.info.metadata },
    })),
  }));
  return {
    now,
    version: registry.version,
    instanceCount: registry.size,
    applications,
    selfPreservation: ctx.selfPreservation.state(),
    evictions: ctx.evictor.total,
    eviction: evictionSummary(ctx),
    peers: ctx.peers(),
    events: ctx.events.list(),
  };
}
