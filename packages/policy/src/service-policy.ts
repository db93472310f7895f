import { z } from "zod";
import {
  bulkheadSchema,
  clientPolicyShape,
  healthCheckSchema,
  outlierSchema,
  retrySchema,
  ruleSchema,
  timeoutSchema,
} from "./client-policy.js";
import { unsafeRegexReason } from "./safe-regex.js";

const percentage = z.number().min(0).max(100).describe("Share of requests, 0–100.");
const name = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, '.', '_' or '-'");
const safeRegex = z.string().superRefine((pattern, ctx) => {
  const reason = unsafeRegexReason(pattern);
  if (reason) ctx.addIssue({ code: "custom", message: `regex ${reason}` });
});

/** Exactly one of exact, prefix or a safe regex (see `unsafeRegexReason`), as Istio's `StringMatch`. */
export const stringMatchSchema = z.union([
  z.strictObject({ exact: z.string().max(1024) }),
  z.strictObject({ prefix: z.string().max(1024) }),
  z.strictObject({ regex: safeRegex }),
]);

/** What a subset may override of the destination's balancing: rule, outlier detection, health checks, bulkhead. */
export const subsetOverrideSchema = z.strictObject({
  rule: ruleSchema.optional(),
  outlierDetection: outlierSchema.optional(),
  healthCheck: healthCheckSchema.optional(),
  bulkhead: bulkheadSchema.optional(),
});

/** A subset: the instances whose metadata carries every label (e.g. `{ version: "v2" }`), with its overrides. */
export const subsetSchema = z.strictObject({
  name,
  labels: z.record(z.string().max(253), z.string().max(1024)),
  trafficPolicy: subsetOverrideSchema.optional(),
});

/**
 * Per destination service: the client policy of `@outrigger/node` (same keys, same `…Ms` units: rule, outlier
 * detection, health checks, retry, timeouts, breaker, bulkhead, rate limit) plus subsets defined by metadata.
 */
export const destinationPolicySchema = z.strictObject({
  ...clientPolicyShape,
  subsets: z.array(subsetSchema).max(64).optional(),
});

/** One HTTP match of a route; every given part must match (AND). */
export const routeMatchSchema = z.strictObject({
  uri: stringMatchSchema.optional(),
  method: z.strictObject({ exact: z.string().regex(/^[A-Z]{1,16}$/, "must be an upper-case HTTP method") }).optional(),
  /** Header names are matched case-insensitively, as HTTP's are. */
  headers: z.record(z.string().max(256), stringMatchSchema).optional(),
});

/** One ordered route: matches (any one selects it), weighted subsets, its own timeout/retry, fault and mirror. */
export const routeSchema = z.strictObject({
  name: z.string().max(256).optional(),
  /** Any one match selects the route (OR); none matches every request. */
  match: z.array(routeMatchSchema).max(32).optional(),
  route: z
    .array(z.strictObject({ subset: name.optional(), weight: z.number().int().min(0).max(100).optional() }))
    .min(1)
    .max(16),
  /** Replaces the destination's `timeout` for requests on this route (same shape: `perTryMs`, `totalMs`). */
  timeout: timeoutSchema.optional(),
  /** Replaces the destination's `retry` for requests on this route (same shape: `maxAttempts` counts the first). */
  retry: retrySchema.optional(),
  fault: z
    .strictObject({
      delay: z
        .strictObject({ fixedDelayMs: z.number().int().min(0).max(86_400_000), percentage })
        .describe("Wait this long before sending, for `percentage` of requests.")
        .optional(),
      abort: z
        .strictObject({ httpStatus: z.number().int().min(200).max(599), percentage })
        .describe("Answer with this status without sending, for `percentage` of requests.")
        .optional(),
    })
    .optional(),
  /** Copies `percentage` of requests to a subset (fire and forget: the answer is dropped, failures never surface). */
  mirror: z.strictObject({ subset: name.optional(), percentage }).optional(),
});

/** The traffic policy of one destination service: its destination policy and ordered routes. */
export const servicePolicySchema = z
  .strictObject({
    destination: destinationPolicySchema.optional(),
    routes: z.array(routeSchema).max(128).optional(),
  })
  .superRefine((policy, ctx) => {
    const known = new Set<string>();
    for (const [i, subset] of (policy.destination?.subsets ?? []).entries()) {
      // Istio's validation refuses a DestinationRule naming a subset twice; the SDK would silently keep the last.
      if (known.has(subset.name)) {
        const message = `subset "${subset.name}" is defined twice: give each subset its own name`;
        ctx.addIssue({ code: "custom", path: ["destination", "subsets", i, "name"], message });
      }
      known.add(subset.name);
    }
    for (const [i, r] of (policy.routes ?? []).entries()) {
      for (const [j, m] of (r.match ?? []).entries()) {
        // HTTP header names are case-insensitive (RFC 9110 §5.1): `X-Canary` and `x-canary` are one header, and
        // two conditions on it with different values could never both hold.
        const seen = new Set<string>();
        for (const header of Object.keys(m.headers ?? {})) {
          const lower = header.toLowerCase();
          if (seen.has(lower)) {
            const message = `header "${lower}" is named twice (header names are case-insensitive): keep one`;
            ctx.addIssue({ code: "custom", path: ["routes", i, "match", j, "headers"], message });
          }
          seen.add(lower);
        }
      }
      const weights = r.route.map((d) => d.weight ?? (r.route.length === 1 ? 100 : 0));
      if (weights.reduce((a, b) => a + b, 0) !== 100) {
        ctx.addIssue({ code: "custom", path: ["routes", i, "route"], message: "weights must add up to 100" });
      }
      const subsets = [
        ...r.route.map((d, j) => [["route", j, "subset"], d.subset] as const),
        [["mirror", "subset"], r.mirror?.subset] as const,
      ];
      for (const [path, subset] of subsets) {
        if (subset !== undefined && !known.has(subset)) {
          ctx.addIssue({
            code: "custom",
            path: ["routes", i, ...path],
            message: `subset "${subset}" is not defined in destination.subsets`,
          });
        }
      }
    }
  });

/** The traffic policy of one destination service (see `servicePolicySchema`). */
export type ServicePolicy = z.infer<typeof servicePolicySchema>;
/** Balancing, outlier detection, health checks, limits, retries and subsets of one destination. */
export type DestinationPolicy = z.infer<typeof destinationPolicySchema>;
/** One ordered HTTP route of a service policy. */
export type PolicyRoute = z.infer<typeof routeSchema>;
/** One HTTP match of a route. */
export type RouteMatch = z.infer<typeof routeMatchSchema>;
/** Exact, prefix or regex. */
export type StringMatch = z.infer<typeof stringMatchSchema>;
