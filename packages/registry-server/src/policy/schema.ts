import { z } from "zod";
import { unsafeRegexReason } from "./safe-regex.js";

/**
 * A duration as Istio and protobuf JSON write it (`250ms`, `1.5s`, `2m`, `1h`); at most 24 h. The SDK turns it into
 * milliseconds with `durationMs`.
 */
const duration = z
  .string()
  .regex(/^\d{1,9}(?:\.\d{1,9})?(?:ms|s|m|h)$/, "must be a duration such as 250ms, 1.5s or 2m")
  .refine((text) => !(durationMs(text) > 86_400_000), "must be at most 24h");

/** Milliseconds of a duration written as the schema accepts it (`250ms`, `1.5s`, `2m`, `1h`). */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!match) return Number.NaN;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

const percentage = z.number().min(0).max(100);
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-'");
const safeRegex = z.string().superRefine((pattern, ctx) => {
  const reason = unsafeRegexReason(pattern);
  if (reason) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `regex ${reason}` });
});

/** Exactly one of exact, prefix or a safe regex (see `unsafeRegexReason`), as Istio's `StringMatch`. */
const stringMatch = z.union([
  z.object({ exact: z.string().max(1024) }).strict(),
  z.object({ prefix: z.string().max(1024) }).strict(),
  z.object({ regex: safeRegex }).strict(),
]);

/** The rule names of `@outrigger/loadbalancer`'s `ruleFromSpec`; its other settings are checked by the SDK. */
export const RULE_NAMES = [
  "round-robin",
  "random",
  "p2c-least-request",
  "p2c-peak-ewma",
  "weighted-response-time",
  "best-available",
  "consistent-hash",
  "static-weight",
  "availability-filtering",
  "zone-avoidance",
  "zone-preference",
  "slow-start",
] as const;
const ruleSpec = z.object({ name: z.enum(RULE_NAMES) }).catchall(z.unknown());

/** Envoy's `OutlierDetection` (envoy/config/cluster/v3/outlier_detection.proto), its names in camel case. */
const outlierDetection = z
  .object({
    consecutive5xx: z.number().int().min(0).max(1_000_000).optional(),
    consecutiveGatewayFailure: z.number().int().min(0).max(1_000_000).optional(),
    consecutiveLocalOriginFailure: z.number().int().min(0).max(1_000_000).optional(),
    interval: duration.optional(),
    baseEjectionTime: duration.optional(),
    maxEjectionTime: duration.optional(),
    maxEjectionPercent: percentage.optional(),
  })
  .strict();

/** Active health checks, Envoy's `HealthCheck` names (interval, timeout, thresholds, HTTP path). */
const healthCheck = z
  .object({
    path: z.string().startsWith("/").max(1024),
    interval: duration,
    timeout: duration.optional(),
    healthyThreshold: z.number().int().min(1).max(100).optional(),
    unhealthyThreshold: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/** Envoy's circuit-breaker thresholds: connections, queued requests, requests in flight, retries in flight. */
const connectionPool = z
  .object({
    maxConnections: z.number().int().min(1).max(1_000_000).optional(),
    maxPendingRequests: z.number().int().min(1).max(1_000_000).optional(),
    maxRequests: z.number().int().min(1).max(1_000_000).optional(),
    maxRetries: z.number().int().min(0).max(1_000_000).optional(),
    maxRequestsPerConnection: z.number().int().min(0).max(1_000_000).optional(),
    connectTimeout: duration.optional(),
  })
  .strict();

/** The settings a subset may override. */
const trafficPolicy = z
  .object({
    loadBalancer: ruleSpec.optional(),
    outlierDetection: outlierDetection.optional(),
    healthCheck: healthCheck.optional(),
    connectionPool: connectionPool.optional(),
  })
  .strict();

const subset = z
  .object({
    name,
    /** Instance metadata every member carries, e.g. `{ version: "v2" }`. */
    labels: z.record(z.string().max(253), z.string().max(1024)),
    trafficPolicy: trafficPolicy.optional(),
  })
  .strict();

/** Per destination service: balancing, outlier detection, health checks, limits, and subsets with overrides. */
export const destinationPolicySchema = trafficPolicy.extend({ subsets: z.array(subset).max(64).optional() }).strict();

const match = z
  .object({
    uri: stringMatch.optional(),
    method: z
      .object({ exact: z.string().regex(/^[A-Z]{1,16}$/, "must be an upper-case HTTP method") })
      .strict()
      .optional(),
    headers: z.record(z.string().max(256), stringMatch).optional(),
  })
  .strict();

/** Envoy's `x-envoy-retry-on` conditions (router filter docs), or a status code such as `503`. */
const RETRY_ON =
  /^(?:5xx|gateway-error|reset|connect-failure|retriable-4xx|refused-stream|retriable-status-codes|[1-5]\d\d)$/;

const route = z
  .object({
    name: z.string().max(256).optional(),
    /** Any one match selects the route (OR); none matches every request. */
    match: z.array(match).max(32).optional(),
    route: z
      .array(z.object({ subset: name.optional(), weight: z.number().int().min(0).max(100).optional() }).strict())
      .min(1)
      .max(16),
    timeout: duration.optional(),
    retries: z
      .object({
        attempts: z.number().int().min(0).max(10),
        perTryTimeout: duration.optional(),
        retryOn: z.array(z.string().regex(RETRY_ON, "must be an Envoy retry-on condition or a status code")).optional(),
      })
      .strict()
      .optional(),
    fault: z
      .object({
        delay: z.object({ fixedDelay: duration, percentage }).strict().optional(),
        abort: z
          .object({ httpStatus: z.number().int().min(200).max(599), percentage })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    mirror: z.object({ subset: name.optional(), percentage }).strict().optional(),
  })
  .strict();

/** The traffic policy of one destination service: its destination policy, ordered routes and a rate limit. */
export const servicePolicySchema = z
  .object({
    destination: destinationPolicySchema.optional(),
    routes: z.array(route).max(128).optional(),
    rateLimit: z
      .object({ requestsPerSecond: z.number().positive().max(1_000_000), burst: z.number().int().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const known = new Set((policy.destination?.subsets ?? []).map((s) => s.name));
    for (const [i, r] of (policy.routes ?? []).entries()) {
      const weights = r.route.map((d) => d.weight ?? (r.route.length === 1 ? 100 : 0));
      if (weights.reduce((a, b) => a + b, 0) !== 100) {
        ctx.addIssue({ code: "custom", path: ["routes", i, "route"], message: "weights must add up to 100" });
      }
      const subsets = [
        ...r.route.map((d, j) => [["route", j, "subset"], d.subset] as const),
        [["mirror", "subset"], r.mirror?.subset] as const,
      ];
      for (const [path, name] of subsets) {
        if (name !== undefined && !known.has(name)) {
          ctx.addIssue({
            code: "custom",
            path: ["routes", i, ...path],
            message: `subset "${name}" is not defined in destination.subsets`,
          });
        }
      }
    }
  });

/** The traffic policy of one destination service (see `servicePolicySchema`). */
export type ServicePolicy = z.infer<typeof servicePolicySchema>;
/** Balancing, outlier detection, health checks, limits and subsets of one destination. */
export type DestinationPolicy = z.infer<typeof destinationPolicySchema>;
/** One ordered HTTP route of a service policy. */
export type PolicyRoute = NonNullable<ServicePolicy["routes"]>[number];
