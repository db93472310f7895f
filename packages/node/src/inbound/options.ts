import type { IncomingMessage } from "node:http";
import { type Clock, checkNumber, checkOptionalNumber } from "@outrigger/core";
import type { RateLimiter } from "@outrigger/resilience";
import { invalidOption } from "./errors.js";

/** Why a request was refused: over the rate (429), over the concurrency limit (503), or the server drains (503). */
export type RejectReason = "rate-limit" | "concurrency" | "draining";

/** What the middleware did with one request; `inFlight` counts admitted requests after the step. */
export type InboundEvent =
  | {
      readonly type: "rejected";
      readonly reason: RejectReason;
      /** The `Retry-After` wait in ms, for rate-limit refusals. */
      readonly retryAfterMs?: number;
      readonly inFlight: number;
    }
  | { readonly type: "admitted"; readonly inFlight: number }
  | {
      readonly type: "finished";
      /** From admission to the response's end (or the connection's loss), in ms of the injected clock. */
      readonly durationMs: number;
      /** The connection closed before the response was complete (client gone, socket destroyed). */
      readonly aborted: boolean;
      readonly inFlight: number;
    };

/**
 * The inbound rate limit: a token bucket in this process (`{ requestsPerSecond, burst }`: `requestsPerSecond`
 * refill, at most `burst` requests at once, default one second's worth; one bucket for the whole process), or any
 * `@outrigger/resilience` `RateLimiter` (`{ limiter, key }`: e.g. `createRateLimiter({ points, redis })` for one limit
 * shared by every instance through Redis, with its in-memory insurance), asked once per request for `key(req)`.
 */
export type RateLimitOptions = BucketRateLimit | LimiterRateLimit;

/** A token bucket in this process: `requestsPerSecond` refill, at most `burst` at once (default: one second's worth). */
export interface BucketRateLimit {
  readonly requestsPerSecond: number;
  readonly burst?: number;
}

/**
 * A `@outrigger/resilience` `RateLimiter` decides (fixed windows on rate-limiter-flexible, in memory or Redis; its
 * store failures are decided by its `onStoreFailure` and reported on its `onStoreError`). `key(req)` says whose limit
 * a request counts against (default: the client's address, `req.socket.remoteAddress`; behind a proxy, key on what
 * the proxy sets — the socket's address is the proxy's). The limiter is the caller's: it is never closed here.
 */
export interface LimiterRateLimit {
  readonly limiter: RateLimiter;
  readonly key?: (req: IncomingMessage) => string;
}

/**
 * A fixed cap on requests in flight (`{ max }`), or one that Vegas adapts from observed latency
 * (`{ adaptive: true, initial, max }`, Netflix concurrency-limits; defaults 20 and 1000).
 */
export type ConcurrencyOptions =
  | { readonly max: number }
  | { readonly adaptive: true; readonly initial?: number; readonly max?: number };

/** Settings of `createInbound`; every part is optional and off when left out. */
export interface InboundOptions {
  readonly rateLimit?: RateLimitOptions;
  readonly concurrency?: ConcurrencyOptions;
  /** Told of every rejection, admission and finish; a throwing listener is reported, never fails the request. */
  readonly onEvent?: (event: InboundEvent) => void;
  /** Called first for every request (the telemetry hook: trace-context extraction); isolated like `onEvent`. */
  readonly onRequest?: (req: IncomingMessage) => void;
  /** Where time is read (default `monotonicClock`); a fake one drives the rate limit in tests. Creation only. */
  readonly clock?: Clock;
}

/** Validated limits, with defaults applied. */
export interface Limits {
  readonly rate?:
    | { readonly kind: "bucket"; readonly perSecond: number; readonly burst: number }
    | { readonly kind: "limiter"; readonly limiter: RateLimiter; readonly key: (req: IncomingMessage) => string };
  readonly concurrency?:
    | { readonly kind: "fixed"; readonly max: number }
    | { readonly kind: "adaptive"; readonly initial: number; readonly max: number };
}

// Netflix concurrency-limits' VegasLimit defaults, the same as createAdaptiveLimitPolicy's.
const ADAPTIVE_INITIAL = 20;
const ADAPTIVE_MAX = 1_000;
// One request per ~17 minutes: below that a "rate limit" is a switch, and Retry-After would overflow nothing useful.
const MIN_RATE = 0.001;

const KNOWN = {
  root: ["rateLimit", "concurrency", "onEvent", "onRequest", "clock"],
  rateLimit: ["requestsPerSecond", "burst", "limiter", "key"],
  concurrency: ["max", "adaptive", "initial"],
} as const;

function checkKeys(path: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidOption(`${path} must be an object, got ${value === null ? "null" : typeof value}`);
  }
  // A misspelt key would otherwise switch a limit off without a word (the "failed silently").
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw invalidOption(`${path} has an unknown key "${key}"; known: ${known.join(", ")}`);
  }
  return value as Record<string, unknown>;
}

function checkFunction(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function") {
    throw invalidOption(`${name} must be a function, got ${typeof value}`);
  }
}

/** The client's address: whose limit a request counts against unless `key` says otherwise. */
const byAddress = (req: IncomingMessage): string => req.socket.remoteAddress ?? "unknown";

function rateOf(value: unknown): Limits["rate"] {
  if (value === undefined) return undefined;
  const rate = checkKeys("rateLimit", value, KNOWN.rateLimit);
  if (rate.limiter !== undefined) {
    if (rate.requestsPerSecond !== undefined || rate.burst !== undefined) {
      throw invalidOption("rateLimit takes either limiter (and key) or requestsPerSecond (and burst), not both");
    }
    if (typeof (rate.limiter as RateLimiter | null)?.acquire !== "function") {
      throw invalidOption("rateLimit.limiter must have an acquire() method (a @outrigger/resilience RateLimiter)");
    }
    checkFunction("rateLimit.key", rate.key);
    const key = (rate.key as LimiterRateLimit["key"]) ?? byAddress;
    return { kind: "limiter", limiter: rate.limiter as RateLimiter, key };
  }
  if (rate.key !== undefined) throw invalidOption("rateLimit.key needs rateLimit.limiter");
  const perSecond = checkNumber(
    "rateLimit.requestsPerSecond",
    rate.requestsPerSecond,
    { min: MIN_RATE },
    invalidOption,
  );
  const burst = checkOptionalNumber("rateLimit.burst", rate.burst, { min: 1, integer: true }, invalidOption);
  return { kind: "bucket", perSecond, burst: burst ?? Math.max(1, Math.ceil(perSecond)) };
}

function concurrencyOf(value: unknown): Limits["concurrency"] {
  if (value === undefined) return undefined;
  const c = checkKeys("concurrency", value, KNOWN.concurrency);
  if (c.adaptive === undefined) {
    if (c.initial !== undefined) throw invalidOption("concurrency.initial needs concurrency.adaptive: true");
    return { kind: "fixed", max: checkNumber("concurrency.max", c.max, { min: 1, integer: true }, invalidOption) };
  }
  if (c.adaptive !== true)
    throw invalidOption(`concurrency.adaptive must be true or left out, got ${String(c.adaptive)}`);
  const initial = checkNumber(
    "concurrency.initial",
    c.initial ?? ADAPTIVE_INITIAL,
    { min: 1, integer: true },
    invalidOption,
  );
  const max = checkNumber(
    "concurrency.max",
    c.max ?? Math.max(ADAPTIVE_MAX, initial),
    { min: initial, integer: true },
    invalidOption,
  );
  return { kind: "adaptive", initial, max };
}

/** Checks every option; throws OUTRIGGER_INVALID_OPTION naming the first bad one, else returns the limits. */
export function resolveOptions(options: unknown): Limits {
  const o = checkKeys("options", options ?? {}, KNOWN.root);
  checkFunction("onEvent", o.onEvent);
  checkFunction("onRequest", o.onRequest);
  if (o.clock !== undefined && typeof (o.clock as Clock | null)?.now !== "function") {
    throw invalidOption("clock must have a now() method (a @outrigger/core Clock)");
  }
  return { rate: rateOf(o.rateLimit), concurrency: concurrencyOf(o.concurrency) };
}
