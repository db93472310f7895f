import type { PolicyService } from "./policy-service.js";
import type { PolicyReport } from "./reports.js";

/**
 * Processes listed per service at most. The counts cover every process; the list is what an operator acts on:
 * every NACK first, then processes behind the current revision, then the current ones, newest report first. Before,
 * a service with 10 000 reporting processes put all of them in every dashboard push to every open stream.
 */
export const MAX_DASHBOARD_PROCESSES = 100;

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

/** Every service that has a policy or a report, for the dashboard's state and stream. */
export function policyDashboard(policies: PolicyService): PolicyDashboardRow[] {
  const rows = new Map<string, PolicyReport[]>();
  for (const record of policies.store.list()) rows.set(record.service, []);
  for (const report of policies.reports.all()) {
    const list = rows.get(report.service);
    if (list) list.push(report);
    else rows.set(report.service, [report]);
  }
  return [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, reports]) => {
      const record = policies.store.get(service);
      const revision = record && record.policy !== null ? record.revision : 0;
      const rank = (r: PolicyReport) => (r.status === "NACK" ? 0 : r.revision === revision ? 2 : 1);
      const listed = [...reports].sort((a, b) => rank(a) - rank(b) || b.at - a.at);
      return {
        service,
        revision,
        processes: listed.slice(0, MAX_DASHBOARD_PROCESSES).map(({ service: _s, ...rest }) => rest),
        total: reports.length,
        current: reports.filter((r) => r.status === "ACK" && r.revision === revision).length,
        nacks: reports.filter((r) => r.status === "NACK").length,
      };
    });
}
