import { readWaitMs } from "../wait-time.js";
import { badRequest } from "./consul-error.js";
import { GO_UNIT_MS } from "./go-duration.js";

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
    ms += Number(n) * (GO_UNIT_MS[unit as string] as number);
  }
  return ms;
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
