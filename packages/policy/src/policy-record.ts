import { checkServicePolicy } from "./parse.js";
import type { ServicePolicy } from "./service-policy.js";

/**
 * A service's policy as the registry's watch answer carries it (its `policy` part), read and checked: what an SDK
 * applies — or, with `issues`, refuses (NACKs) keeping what it runs.
 */
export interface PolicyUpdate {
  readonly service: string;
  /** The service's policy revision (1, 2, …); 0 when the service has no policy. */
  readonly revision: number;
  /** The policy; null when the service has none (never had one, or it was deleted) or when `issues` is set. */
  readonly policy: ServicePolicy | null;
  /** Why this revision cannot be applied (each `path: message`); absent when it can. */
  readonly issues?: readonly string[];
}

/**
 * Reads the `policy` part of a watch answer (`{ service, revision, policy, … }` or null) for `service`. Never
 * throws: a record that is not one, or a policy the schema refuses, comes back with `issues` to report in a NACK.
 */
export function readPolicyRecord(value: unknown, service: string): PolicyUpdate {
  const name = service.toUpperCase();
  if (value === null || value === undefined) return { service: name, revision: 0, policy: null };
  const record = (typeof value === "object" ? value : {}) as Record<string, unknown>;
  const revision = record.revision;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 1) {
    return { service: name, revision: 0, policy: null, issues: ["revision: must be a whole number ≥ 1"] };
  }
  if (record.policy === null) return { service: name, revision, policy: null };
  const checked = checkServicePolicy(record.policy, "policy.");
  return checked.ok
    ? { service: name, revision, policy: checked.policy }
    : { service: name, revision, policy: null, issues: checked.issues };
}
