import type { PolicyService } from "./policy-service.js";
import type { PolicyReport } from "./reports.js";

/**
 * Processes listed per service at most. The counts cover every process; the list is what an operator acts on:
 * every NACK first, then processes behind the current revision, then the current ones, newest report first. Before,
 * a service with 10 000 reporting processes put all of them in every dashboard push to every open stream.
 */
export const MAX_DASHBOARD_PROCESSES = 100;

/**
 * Service rows listed at most, with the same order of concern: services with a NACK first, then services with
 * processes behind the current revision, then the rest, each group by name. The store holds up to 10 000 services;
 * every one of them was a row in every push before, so a large fleet sent megabytes per push to every stream.
 * `services` counts them all.
 */
export const MAX_DASHBOARD_SERVICES = 100;

/** One service's row on the dashboard: its current revision and which process runs which, NACKs with reasons. */
export interface PolicyDashboardRow {
  readonly service: string;
  /** The current revision (0: none, or deleted). */
  readonly revision: number;
  /** At most `MAX_DASHBOARD_PROCESSES` of them: NACKs, then processes behind, then the rest. */
  readonly processes: readonly Omit<PolicyReport, "service">[];
  /** Every process that reported for the service, listed or not. */
  readonly total: number;
  /** How many processes report the current revision (ACK). */
  readonly current: number;
  readonly nacks: number;
}

/** The dashboard's policy section: at most `MAX_DASHBOARD_SERVICES` rows, and how many services there are. */
export interface PolicyDashboard {
  readonly rows: readonly PolicyDashboardRow[];
  /** Every service with a policy or a report, listed or not. */
  readonly services: number;
}

interface ServiceReports {
  readonly service: string;
  readonly revision: number;
  readonly reports: PolicyReport[];
  nacks: number;
  current: number;
}

/** Every service that has a policy or a report, worst first and bounded, for the dashboard's state and stream. */
export function policyDashboard(policies: PolicyService): PolicyDashboard {
  const byService = new Map<string, ServiceReports>();
  const entry = (service: string): ServiceReports => {
    let found = byService.get(service);
    if (!found) {
      const record = policies.store.get(service);
      const revision = record && record.policy !== null ? record.revision : 0;
      found = { service, revision, reports: [], nacks: 0, current: 0 };
      byService.set(service, found);
    }
    return found;
  };
  for (const record of policies.store.list()) entry(record.service);
  for (const report of policies.reports.all()) {
    const row = entry(report.service);
    row.reports.push(report);
    if (report.status === "NACK") row.nacks += 1;
    else if (report.revision === row.revision) row.current += 1;
  }
  const concern = (s: ServiceReports) => (s.nacks > 0 ? 0 : s.current < s.reports.length ? 1 : 2);
  const listed = [...byService.values()]
    .sort((a, b) => concern(a) - concern(b) || a.service.localeCompare(b.service))
    .slice(0, MAX_DASHBOARD_SERVICES);
  return { rows: listed.map(row), services: byService.size };
}

function row({ service, revision, reports, nacks, current }: ServiceReports): PolicyDashboardRow {
  const rank = (r: PolicyReport) => (r.status === "NACK" ? 0 : r.revision === revision ? 2 : 1);
  const processes = [...reports].sort((a, b) => rank(a) - rank(b) || b.at - a.at);
  return {
    service,
    revision,
    processes: processes.slice(0, MAX_DASHBOARD_PROCESSES).map(({ service: _s, ...rest }) => rest),
    total: reports.length,
    current,
    nacks,
  };
}
