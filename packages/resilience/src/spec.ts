import { ResilienceError } from "./errors.js";

/**
 * A pipeline described as data (JSON/YAML, e.g. a config section). Every part is optional; present parts are
 * composed outer → inner in `SPEC_ORDER`.
 */
export interface PolicySpec {
  readonly fallback?: { readonly value: unknown };
  readonly timeout?: { readonly totalMs?: number; readonly perTryMs?: number };
  readonly retry?: {
    readonly maxAttempts: number;
    readonly backoff?: "exponential" | "decorrelated-jitter";
    readonly initialDelayMs?: number;
    readonly maxDelayMs?: number;
    readonly maxRetryAfterMs?: number;
    readonly retryNonIdempotent?: boolean;
    /** Spend the target service's shared retry budget (default true). */
    readonly budget?: boolean;
  };
  readonly hedge?: {
    readonly delayMs?: number;
    readonly quantile?: number;
    readonly minSamples?: number;
    readonly maxHedges?: number;
  };
  readonly circuitBreaker?: {
    readonly kind: "consecutive" | "count" | "sampling";
    readonly halfOpenAfterMs: number;
    readonly halfOpenTrials?: number;
    readonly threshold?: number;
    readonly size?: number;
    readonly failureRatio?: number;
    readonly minimumCalls?: number;
    readonly slowCallMs?: number;
    readonly slowCallRatio?: number;
    readonly durationMs?: number;
    readonly minimumRps?: number;
  };
  readonly adaptiveLimit?: { readonly initialLimit?: number; readonly maxLimit?: number; readonly smoothing?: number };
  readonly bulkhead?: { readonly maxConcurrent: number; readonly maxQueue?: number };
  /** Outbound rate limit of the target service; shared through Redis when the LivePolicy was given a client. */
  readonly rateLimit?: { readonly points: number; readonly durationMs?: number };
}

/**
 * The composition order, outermost first: a fallback answers for everything inside it; the total deadline bounds
 * all retries; retry re-runs everything below (so each attempt re-picks and re-checks the breaker); hedges are
 * attempts too; the breaker sees each attempt; the adaptive limit, bulkhead and rate limit admit attempts (a
 * refused attempt is not retried and does not count against the breaker); the per-try
 * timeout is innermost so it times a single attempt.
 */
export const SPEC_ORDER = [
  "fallback",
  "timeout.totalMs",
  "retry",
  "hedge",
  "circuitBreaker",
  "adaptiveLimit",
  "bulkhead",
  "rateLimit",
  "timeout.perTryMs",
] as const;

/** One problem with a spec: where, and why. */
export interface SpecIssue {
  readonly path: string;
  readonly reason: string;
}

type FieldKind = "integer" | "number" | "ratio" | "boolean" | "any" | readonly string[];
type Shape = Readonly<Record<string, readonly [FieldKind, "required" | "optional", number?]>>;

const SHAPES: Readonly<Record<keyof PolicySpec, Shape>> = {
  fallback: { value: ["any", "required"] },
  timeout: { totalMs: ["number", "optional", 1], perTryMs: ["number", "optional", 1] },
  retry: {
    maxAttempts: ["integer", "required", 1],
    backoff: [["exponential", "decorrelated-jitter"], "optional"],
    initialDelayMs: ["number", "optional", 0],
    maxDelayMs: ["number", "optional", 0],
    maxRetryAfterMs: ["number", "optional", 0],
    retryNonIdempotent: ["boolean", "optional"],
    budget: ["boolean", "optional"],
  },
  hedge: {
    delayMs: ["number", "optional", 0],
    quantile: ["ratio", "optional"],
    minSamples: ["integer", "optional", 1],
    maxHedges: ["integer", "optional", 1],
  },
  circuitBreaker: {
    kind: [["consecutive", "count", "sampling"], "required"],
    halfOpenAfterMs: ["number", "required", 0],
    halfOpenTrials: ["integer", "optional", 1],
    threshold: ["integer", "optional", 1],
    size: ["integer", "optional", 1],
    failureRatio: ["ratio", "optional"],
    minimumCalls: ["integer", "optional", 1],
    slowCallMs: ["number", "optional", 1],
    slowCallRatio: ["ratio", "optional"],
    durationMs: ["number", "optional", 1],
    minimumRps: ["number", "optional", 0],
  },
  adaptiveLimit: {
    initialLimit: ["integer", "optional", 1],
    maxLimit: ["integer", "optional", 1],
    smoothing: ["ratio", "optional"],
  },
  bulkhead: { maxConcurrent: ["integer", "required", 1], maxQueue: ["integer", "optional", 0] },
  rateLimit: { points: ["integer", "required", 1], durationMs: ["integer", "optional", 1_000] },
};

/** Fields each breaker kind needs. */
const BREAKER_NEEDS: Readonly<Record<string, readonly string[]>> = {
  consecutive: ["threshold"],
  count: ["size", "failureRatio", "minimumCalls"],
  sampling: ["durationMs", "failureRatio"],
};

function checkField(kind: FieldKind, value: unknown, min = 0): string | undefined {
  if (kind === "any") return undefined;
  if (Array.isArray(kind)) return kind.includes(value as string) ? undefined : `must be one of ${kind.join(", ")}`;
  if (kind === "boolean") return typeof value === "boolean" ? undefined : "must be true or false";
  if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
  if (kind === "integer" && !Number.isInteger(value)) return "must be a whole number";
  if (kind === "ratio") return value > 0 && value <= 1 ? undefined : "must be above 0 and at most 1";
  return value < min ? `must be ≥ ${min}` : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every problem with `input` as a PolicySpec; empty when it is valid. Unknown keys are problems (typos). */
export function specIssues(input: unknown): SpecIssue[] {
  if (!isObject(input)) return [{ path: "", reason: "must be an object" }];
  const issues: SpecIssue[] = [];
  for (const [section, body] of Object.entries(input)) {
    const shape = SHAPES[section as keyof PolicySpec];
    if (!shape) {
      issues.push({ path: section, reason: `unknown policy; known: ${Object.keys(SHAPES).join(", ")}` });
      continue;
    }
    if (!isObject(body)) {
      issues.push({ path: section, reason: "must be an object" });
      continue;
    }
    for (const key of Object.keys(body)) {
      if (!(key in shape)) issues.push({ path: `${section}.${key}`, reason: "unknown field" });
    }
    for (const [key, [kind, presence, min]] of Object.entries(shape)) {
      const value = body[key];
      if (value === undefined) {
        if (presence === "required") issues.push({ path: `${section}.${key}`, reason: "is required" });
        continue;
      }
      const reason = checkField(kind, value, min);
      if (reason) issues.push({ path: `${section}.${key}`, reason });
    }
    if (section === "circuitBreaker" && typeof body.kind === "string") {
      for (const need of BREAKER_NEEDS[body.kind] ?? []) {
        if (body[need] === undefined)
          issues.push({ path: `circuitBreaker.${need}`, reason: `is required for kind ${body.kind}` });
      }
    }
  }
  const timeout = input.timeout as PolicySpec["timeout"];
  if (
    timeout &&
    timeout.totalMs !== undefined &&
    timeout.perTryMs !== undefined &&
    timeout.perTryMs > timeout.totalMs
  ) {
    issues.push({ path: "timeout.perTryMs", reason: "must not exceed timeout.totalMs" });
  }
  return issues;
}

/** Returns `input` as a PolicySpec, or throws RESILIENCE_INVALID_SPEC listing every field at fault and why. */
export function validateSpec(input: unknown): PolicySpec {
  const issues = specIssues(input);
  if (issues.length > 0) {
    const list = issues.map((i) => `${i.path || "(spec)"} ${i.reason}`).join("; ");
    throw Object.assign(new ResilienceError("RESILIENCE_INVALID_SPEC", `invalid policy spec: ${list}`), { issues });
  }
  return input as PolicySpec;
}
