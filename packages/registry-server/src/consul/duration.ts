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

/** Consul holds a blocking query 5 minutes when the client names no wait. */
export const DEFAULT_BLOCKING_WAIT_MS = 300_000;
/** Consul caps a blocking query's wait at 10 minutes. */
export const MAX_BLOCKING_WAIT_MS = 600_000;

/**
 * The hold time of a blocking query: the client's `wait` (default 5 min, capped at 10 min) plus up to wait/16 of
 * jitter, as Consul adds, so that many watchers woken together do not all come back at the same instant.
 */
export function blockingHoldMs(wait: string | undefined, random: () => number): number {
  const asked = wait === undefined || wait === "" ? DEFAULT_BLOCKING_WAIT_MS : parseDuration(wait);
  if (asked === undefined) throw badRequest(`Invalid wait time: "${wait}" is not a duration such as 30s or 5m`);
  const capped = Math.min(asked, MAX_BLOCKING_WAIT_MS);
  return capped + random() * (capped / 16);
}
