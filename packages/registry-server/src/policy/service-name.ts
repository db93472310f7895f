import { PolicyError } from "./policy-error.js";

/**
 * A service name the control plane keys policies by (upper-cased, as Eureka's application names): a letter or
 * digit, then letters, digits, '.', '_' or '-', at most 128 — one rule for a path's `{SERVICE}`, a TrafficPolicy's
 * `metadata.name`, an Istio host's first label, a peer's record and a report's `service`.
 */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** `name` upper-cased; throws `REGISTRY_POLICY_INVALID` (400) naming `where` when it is not one (never quoting it). */
export function serviceName(name: string, where: string): string {
  if (!SERVICE_NAME.test(name)) {
    throw new PolicyError(
      "REGISTRY_POLICY_INVALID",
      `${where} must name one service: a letter or digit, then letters, digits, '.', '_' or '-' (at most 128)`,
    );
  }
  return name.toUpperCase();
}
