import { badRequest } from "./consul-error.js";

/** Nanoseconds per unit of Go's duration syntax, which Consul uses for TTL, Interval, Timeout and wait. */
const unitMs: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Reads a Go duration such as `10s`, `1m30s` or `250ms` into milliseconds. A bare number is nanoseconds, as in
 * Consul's JSON (the Go client sends `time.Duration` values that way). Undefined when it is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value / 1e6 : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) / 1e6;
  if (text === "" || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    ms += Number(n) * (unitMs[unit as string] as number);
  }
  return ms;
}

/** Consul holds a blocking query 5 minutes when the client names no wait (agent/consul/rpc.go, defaultQueryTime). */
export const DEFAULT_BLOCKING_WAIT_MS = 300_000;
/** Consul caps a blocking query's wait at 10 minutes (maxQueryTime). */
export const MAX_BLOCKING_WAIT_MS = 600_000;

/** Go's `time.ParseDuration` grammar: an optional sign, then number-unit pairs; a bare `0` is the only unitless form. */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/**
 * Reads `?wait=` as Consul's `parseWait` (agent/http.go) does, with Go's `time.ParseDuration`: `30s`, `1m30s`,
 * `250ms`, `0`; a number without a unit (`30`) or anything else is not a duration and answers 400
 * `Invalid wait time`. Returns milliseconds, negative for a negative duration.
 */
export function parseGoDuration(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  const sign = text.startsWith("-") ? -1 : 1;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ms += Number(n) * (unitMs[unit === "μs" ? "µs" : (unit as string)] as number);
  }
  return sign * ms;
}

/**
 * The hold time of a blocking query, as Consul's `rpcQueryTimeout` (agent/consul/rpc.go) computes it: the
 * client's `wait`, 5 minutes when absent or zero, capped at 10 minutes, plus up to wait/16 of jitter so that
 * watchers woken together do not all come back at once. A negative wait holds nothing.
 */
export function blockingHoldMs(wait: string | undefined, random: () => number): number {
  const asked = wait === undefined || wait === "" ? 0 : parseGoDuration(wait);
  if (asked === undefined) throw badRequest("Invalid wait time");
  if (asked < 0) return 0;
  const held = asked === 0 ? DEFAULT_BLOCKING_WAIT_MS : Math.min(asked, MAX_BLOCKING_WAIT_MS);
  return held + random() * (held / 16);
}
