import type { PolicyService } from "./policy-service.js";
import type { PolicyReport } from "./reports.js";

/** One service's row on the dashboard: its current revision and which process runs which, NACKs with reasons. */
export interface PolicyDashboardRow {
  readonly service: string;
  /** The current revision (0: none, or deleted). */
  readonly revision: number;
  readonly processes: readonly Omit<PolicyReport, "service">[];
  /** How many processes report the current revision (ACK). */
  readonly current: number;
  readonly nacks: number;
}

/** Every service that has a policy or a report, for the dashboard's state and stream. */
export function policyDashboard(policies: PolicyService): PolicyDashboardRow[] {
  const rows = new Map<string, PolicyReport[]>();
  for (const record of policies.store.list()) rows.set(record.service, []);
  for (const report of policies.reports.all()) rows.set(report.service, [...(rows.get(report.service) ?? []), report]);
  return [...rows]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, reports]) => {
      const record = policies.store.get(service);
      const revision = record && record.policy !== null ? record.revision : 0;
      return {
        service,
        revision,
        processes: reports.map(({ service: _s, ...rest }) => rest),
        current: reports.filter((r) => r.status === "ACK" && r.revision === revision).length,
        nacks: reports.filter((r) => r.status === "NACK").length,
      };
    });
}
