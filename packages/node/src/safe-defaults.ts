import type { ServicePolicy } from "./policy-schema.js";

/** A service's policy with every key decided. */
export type ResolvedPolicy = Required<ServicePolicy>;

/**
 * What every service gets unless its config says otherwise (the README's safe-defaults table). Retries go only
 * where the retry engine deems them safe (never sent, or idempotent) and spend a budget of 20% of requests + 10/s
 * (Finagle's); the per-try timeout and the deadline bound every call; outlier detection takes Envoy's defaults.
 */
export const SAFE_DEFAULTS: ResolvedPolicy = {
  rule: { name: "round-robin" },
  outlierDetection: {},
  healthCheck: false,
  retry: { maxAttempts: 3, budget: true },
  // Spring Cloud's Ribbon read timeout is 1 s and Envoy's route timeout 15 s; 3 s per try and 10 s in all leave
  // room for three tries with backoff while still bounding a hung dependency.
  timeout: { perTryMs: 3_000, totalMs: 10_000 },
  circuitBreaker: false,
  bulkhead: false,
  rateLimit: false,
  hedge: false,
  adaptiveLimit: false,
  fallback: false,
};

/** The clients section as far as policies go. */
export interface PolicySources {
  readonly defaults: ServicePolicy;
  readonly services: Readonly<Record<string, ServicePolicy>>;
}

/** `service`'s policy: the safe defaults, then `clients.defaults`, then the service's own keys (each whole). */
export function policyFor(clients: PolicySources, service: string): ResolvedPolicy {
  return { ...SAFE_DEFAULTS, ...clients.defaults, ...clients.services[service] } as ResolvedPolicy;
}
