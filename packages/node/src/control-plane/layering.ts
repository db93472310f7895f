import type { ClientPolicy, ServicePolicy } from "@outrigger/policy";
import type { ResolvedPolicy } from "../safe-defaults.js";

/** The client-policy keys a central destination policy may set (the subsets are not a client setting). */
const CLIENT_KEYS = [
  "rule",
  "outlierDetection",
  "healthCheck",
  "retry",
  "timeout",
  "circuitBreaker",
  "bulkhead",
  "rateLimit",
  "hedge",
  "adaptiveLimit",
  "fallback",
] as const;

/**
 * The precedence of the README's table, lowest first: safe defaults → `clients.defaults` → `clients.services.X`
 * (both already in `local`) → the control plane's `destination` → the app's explicit code overrides
 * (`controlPlane.overrides.X`). Each key replaces the one below it whole, as config keys do; `undefined` keys are
 * skipped so an absent central key keeps the local one.
 */
export function layerPolicy(
  local: ResolvedPolicy,
  central: ServicePolicy | null | undefined,
  overrides: ClientPolicy | undefined,
): ResolvedPolicy {
  const out: Record<string, unknown> = { ...local };
  for (const source of [central?.destination, overrides]) {
    if (!source) continue;
    for (const key of CLIENT_KEYS) if (source[key] !== undefined) out[key] = source[key];
  }
  return out as ResolvedPolicy;
}
