import { cpus, totalmem } from "node:os";
import type { ServerContext } from "./context.js";

/** Counts of instances by status for one application. */
export interface AppStats {
  readonly name: string;
  readonly instances: number;
  readonly byStatus: Readonly<Record<string, number>>;
}

/** The server's statistics, as served at `/eureka/status` and shown on the dashboard. */
export function serverStatus(ctx: ServerContext): Record<string, unknown> {
  const { registry } = ctx;
  const now = registry.clock.now();
  const applications: AppStats[] = [];
  for (const [name, leases] of registry.applications()) {
    const byStatus: Record<string, number> = {};
    for (const { info } of leases) byStatus[info.status] = (byStatus[info.status] ?? 0) + 1;
    applications.push({ name, instances: leases.length, byStatus });
  }
  const peers = ctx.peers();
  return {
    generalStats: {
      "num-of-cpus": String(cpus().length),
      "total-avail-memory": `${Math.round(totalmem() / 1024 / 1024)}mb`,
      "current-memory-usage": `${Math.round(process.memoryUsage().rss / 1024 / 1024)}mb`,
      "server-uptime": `${Math.round((now - ctx.startedAt) / 1000)}s`,
      "registered-replicas": peers.map((p) => p.url).join(","),
      "available-replicas": peers
        .filter((p) => p.healthy)
        .map((p) => p.url)
        .join(","),
      "unavailable-replicas": peers
        .filter((p) => !p.healthy)
        .map((p) => p.url)
        .join(","),
    },
    instanceCount: registry.size,
    version: registry.version,
    applications,
    selfPreservation: ctx.selfPreservation.state(),
    // Refused while the start-up sync runs, or after one that copied nothing (read-gate.ts).
    reads: ctx.readGate?.state() ?? { open: true },
    evictions: ctx.evictor.total,
    eviction: evictionSummary(ctx),
    peers,
  };
}

/** The evictor's settings and last run, with instance ids instead of whole leases. */
export function evictionSummary(ctx: ServerContext): Record<string, unknown> {
  const last = ctx.evictor.lastRun;
  return {
    total: ctx.evictor.total,
    runs: ctx.evictor.runs,
    protectionThreshold: ctx.evictor.protectionThreshold,
    lastRun: last && {
      evicted: last.evicted.map((lease) => `${lease.info.app}/${lease.info.instanceId}`),
      deferred: last.deferred,
      protectedApps: last.protectedApps,
      skipped: last.skipped,
    },
  };
}
