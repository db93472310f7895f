import type { PolicyService } from "./policy-service.js";

/** The policy part of a watch answer: the service's current record, or null when it has none. */
export function watchPolicy(policies: PolicyService | undefined, app: string): unknown {
  const record = policies?.store.get(app);
  return record && record.policy !== null ? record : null;
}
