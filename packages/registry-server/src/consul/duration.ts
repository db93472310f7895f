import { readWaitMs } from "../wait-time.js";
import { badRequest } from "./consul-error.js";
import { parseGoDuration } from "./go-duration.js";

/**
 * Reads a Go duration such as `10s`, `1m30s`, `.5s` or `+250ms` into milliseconds, with Go's whole
 * `time.ParseDuration` grammar (`parseGoDuration`, the one `?wait=` uses), so a check field takes what Consul takes.
 * A bare number is nanoseconds, as in Consul's JSON (the Go client sends `time.Duration` values that way).
 * Negative for a negative duration; undefined when it is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value / 1e6 : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^[-+]?\d+$/.test(text)) return Number(text) / 1e6;
  return parseGoDuration(text);
}

/** Consul holds a blocking query 5 minutes when the client names no wait (agent/consul/rpc.go, defaultQueryTime). */
export const DEFAULT_BLOCKING_WAIT_MS = 300_000;

/**
 * The hold time of a blocking query, as Consul's `rpcQueryTimeout` (agent/consul/rpc.go) computes it: the
 * client's `wait` read by `readWaitMs` (5 minutes when absent or zero, capped at 10 minutes), plus up to wait/16 of jitter so that
 * watchers woken together do not all come back at once. A negative wait holds nothing.
 */
export function blockingHoldMs(wait: string | undefined, random: () => number): number {
  const held = readWaitMs(wait, DEFAULT_BLOCKING_WAIT_MS);
  if (held === undefined) throw badRequest("Invalid wait time");
  return held + random() * (held / 16);
}
