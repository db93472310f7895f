import { RULE_NAMES } from "@outrigger/core";
import { z } from "zod";

/**
 * The zod schemas of one service's client policy: `@outrigger/node`'s per-service config (`clients.services.X`) and
 * the client half of the control plane's destination policy are this one model, so central policy layers over local
 * config key by key. The source of both the TypeScript types and `@outrigger/node`'s published JSON schema. Field
 * names are those of `@outrigger/loadbalancer` (rule specs, Envoy's outlier detection, active health checks) and
 * `@outrigger/resilience` (`PolicySpec`); cross-field rules the schema cannot express are checked by building the
 * parts (`@outrigger/node`'s policy-check.ts).
 */

const ms = (what: string) => z.number().int().min(1).max(2_147_483_647).describe(what);
const count = (what: string) => z.number().int().min(1).describe(what);

/** A balancing rule as data (`@outrigger/loadbalancer`'s `RuleSpec`): `{ "name": "p2c-peak-ewma" }`. */
export const ruleSchema = z
  .looseObject({ name: z.enum(RULE_NAMES).describe("The rule; wrapping rules take an inner `rule`.") })
  .describe("Balancing rule (see @outrigger/loadbalancer's rule specs).");

/** Envoy's outlier detection (names and defaults of `outlier_detection.proto`); `false` turns it off. */
export const outlierSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      consecutive5xx: count("Failures in a row that eject at once (Envoy: 5).").optional(),
      intervalMs: ms("Success-rate interval (Envoy: 10 000).").optional(),
      baseEjectionTimeMs: ms("First ejection's length; the n-th lasts n times it (Envoy: 30 000).").optional(),
      maxEjectionTimeMs: ms("Cap on one ejection (Envoy: 300 000).").optional(),
      maxEjectionPercent: z
        .number()
        .min(0)
        .max(100)
        .describe("No ejection takes the share out past this, counting the one being ejected (Envoy: 10).")
        .optional(),
      alwaysEjectOneHost: z
        .boolean()
        .describe(
          "The first ejection may pass maxEjectionPercent (Envoy's always_eject_one_host; default true here, false in Envoy).",
        )
        .optional(),
      successRateMinimumHosts: z.number().int().min(0).optional(),
      successRateRequestVolume: z.number().int().min(1).optional(),
      successRateStdevFactor: z.number().min(0).optional(),
      countRetriedAttempts: z
        .boolean()
        .describe(
          "Count a 5xx or per-try timeout the client retries on another instance (default true, Envoy's rule); false: only the answer the call keeps counts (HAProxy's observe layer7).",
        )
        .optional(),
    })
    .describe("Outlier detection (on by default)."),
]);

/** Active HTTP health checks (HAProxy's `check inter/fall/rise`); off unless given. */
export const healthCheckSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      path: z.string().startsWith("/").describe("Probed with GET on each instance."),
      intervalMs: ms("Time between probes.").optional(),
      timeoutMs: ms("A probe slower than this fails.").optional(),
      unhealthyThreshold: count("Failed probes in a row that take an instance out.").optional(),
      healthyThreshold: count("Passed probes in a row that bring it back.").optional(),
      jitterMs: z.number().int().min(0).optional(),
    })
    .describe("Active health checks (off by default)."),
]);

/** Retries (the one retry engine of Outrigger): only when safe, within the service's retry budget. */
export const retrySchema = z
  .strictObject({
    maxAttempts: count("Every attempt, the first included; 1 turns retries off."),
    backoff: z.enum(["exponential", "decorrelated-jitter"]).optional(),
    initialDelayMs: z.number().int().min(0).optional(),
    maxDelayMs: z.number().int().min(0).optional(),
    maxRetryAfterMs: z.number().int().min(0).optional(),
    retryNonIdempotent: z.boolean().describe("Retry POSTs after they may have reached the server. Unsafe.").optional(),
    budget: z.boolean().describe("Spend the service's retry budget (20% of requests + 10/s); default true.").optional(),
  })
  .describe("Retries.");

/** Per-try timeout and the whole call's deadline. */
export const timeoutSchema = z
  .strictObject({
    perTryMs: ms("One attempt's limit; counts against the instance.").optional(),
    totalMs: ms("The whole call's deadline, retries included.").optional(),
  })
  .describe("Timeouts.");

/** A circuit breaker per service (`@outrigger/resilience`'s spec); off unless given. */
export const breakerSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      kind: z.enum(["consecutive", "count", "sampling"]),
      halfOpenAfterMs: ms("Time open before trial calls."),
      halfOpenTrials: count("Trial calls at once.").optional(),
      threshold: count("consecutive: failures in a row that open it.").optional(),
      size: count("count: calls in the window.").optional(),
      failureRatio: z.number().min(0).max(1).optional(),
      minimumCalls: count("count: calls before it may open.").optional(),
      slowCallMs: ms("count: a call slower than this is slow.").optional(),
      slowCallRatio: z.number().min(0).max(1).optional(),
      durationMs: ms("sampling: the window.").optional(),
      minimumRps: z.number().min(0).optional(),
    })
    .describe("Circuit breaker (off by default)."),
]);

/** Concurrent calls to the service; off unless given. */
export const bulkheadSchema = z.union([
  z.literal(false),
  z.strictObject({ maxConcurrent: count("Calls at once."), maxQueue: z.number().int().min(0).optional() }),
]);

/** Outbound rate limit to the service (per process); off unless given. */
export const rateLimitSchema = z.union([
  z.literal(false),
  z.strictObject({ points: count("Calls per window."), durationMs: ms("The window (default 1 000).").optional() }),
]);

/** Hedged requests (`@outrigger/resilience`'s hedge): idempotent calls only, each hedge spends the retry budget. */
export const hedgeSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      delayMs: z
        .number()
        .int()
        .min(0)
        .max(2_147_483_647)
        .describe("Send the call again when no answer came after this long (default: the observed quantile).")
        .optional(),
      quantile: z.number().gt(0).max(1).describe("The latency quantile that sets the delay (default 0.95).").optional(),
      minSamples: count("Calls observed before the quantile is used (default 20).").optional(),
      maxHedges: count("Extra copies of one call at most (default 1).").optional(),
    })
    .describe("Hedged requests (off by default)."),
]);

/** An adaptive concurrency limit (TCP Vegas, Netflix concurrency-limits); off unless given. */
export const adaptiveLimitSchema = z.union([
  z.literal(false),
  z
    .strictObject({
      initialLimit: count("Calls in flight allowed at first (default 20).").optional(),
      maxLimit: count("The limit never grows past this (default 200).").optional(),
      smoothing: z.number().gt(0).max(1).describe("How fast the limit moves (default 1).").optional(),
    })
    .describe("Adaptive concurrency limit (off by default)."),
]);

/**
 * The answer a failed call gets instead of its error (Hystrix's fallback): og.fetch answers 200 with `value` as
 * JSON, og.http resolves with `value` as `data`. A call fails when it throws or ends in a 5xx answer.
 */
export const fallbackSchema = z.union([
  z.literal(false),
  z
    .strictObject({ value: z.json().describe('Any JSON value, e.g. { "items": [] }.') })
    .describe("Fallback answer (off by default)."),
]);

/** The keys of a client policy, for the schemas that extend it (the control plane's destination policy). */
export const clientPolicyShape = {
  rule: ruleSchema.optional(),
  outlierDetection: outlierSchema.optional(),
  healthCheck: healthCheckSchema.optional(),
  retry: retrySchema.optional(),
  timeout: timeoutSchema.optional(),
  circuitBreaker: breakerSchema.optional(),
  bulkhead: bulkheadSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
  hedge: hedgeSchema.optional(),
  adaptiveLimit: adaptiveLimitSchema.optional(),
  fallback: fallbackSchema.optional(),
};

/** One service's client policy; every key is optional and replaces the defaults' key whole. */
export const clientPolicySchema = z
  .strictObject(clientPolicyShape)
  .describe("A service's client policy; each key replaces the same key of `clients.defaults` whole.");

/** One service's client policy, as written in config. */
export type ClientPolicy = z.input<typeof clientPolicySchema>;
