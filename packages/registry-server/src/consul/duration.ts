import { readWaitMs } from "../wait-time.js";
import { badRequest } from "./consul-error.js";
import { parseGoDuration } from "./go-duration.js";

/**
 * Reads a check duration as Consul's `CheckType.UnmarshalJSON` (agent/structs/check_type.go) does: a JSON number is
 * nanoseconds (the Go client sends `time.Duration` values that way); a string goes through Go's `time.ParseDuration`
 * (`parseGoDuration`, the one `?wait=` uses) — `10s`, `1m30s`, `.5s`, `+250ms`, `0` — so a string of digits
 * without a unit (`"30"`) is not a duration (Consul: `time: missing unit in duration "30"`).
 * Milliseconds, negative for a negative duration; undefined when it is not a duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value / 1e6 : undefined;
  if (typeof value !== "string") return undefined;
  return parseGoDuration(value.trim());
}

/** Consul holds a blocking query 5 minutes when the client names no wait (agent/consul/rpc.go, defaultQueryTime). */
export const DEFAULT_BLOCKING_WAIT_MS = 300_000;

/**
 * The hold time of a blocking query, as Consul's `RPCQueryTimeout` (agent/consul/rpc.go) computes it: the
 * client's `wait` read by `readWaitMs` (5 minutes when absent, zero or negative — `parseWait` lets `-1s` through and
 * the RPC layer holds its default for any wait ≤ 0 — capped at 10 minutes), plus up to wait/16 of jitter so that
 * watchers woken together do not all come back at once.
 */
export function blockingHoldMs(wait: string | undefined, random: () => number): number {
  const held = readWaitMs(wait, DEFAULT_BLOCKING_WAIT_MS, DEFAULT_BLOCKING_WAIT_MS);
  if (held === undefined) throw badRequest("Invalid wait time");
  return held + random() * (held / 16);
}
