import { isIP } from "node:net";
import { badRequest, quoted, typeMismatch } from "./consul-error.js";
import { parseDuration } from "./duration.js";

/**
 * Consul's `checks.MinInterval` (hashicorp/consul `agent/checks/check.go`): probes run at most once a second.
 * Consul raises a shorter interval to this minimum with a warning rather than refusing it; so do we.
 */
export const MIN_CHECK_INTERVAL_MS = 1_000;

/**
 * Consul's `check_deregister_interval_min` (default 1m, applied in `agent/agent.go` `AddCheck`): a shorter
 * `DeregisterCriticalServiceAfter` is raised to one minute, so a flapping check cannot reap its service at once.
 */
export const MIN_DEREGISTER_AFTER_MS = 60_000;

/** Consul's `checks.DefaultBufSize` (`agent/checks/check.go`): at most 4 KiB of a check's output is kept. */
export const CHECK_OUTPUT_MAX_BYTES = 4 * 1024;

/**
 * The longest delay `setTimeout` honours (2^31−1 ms, about 24.8 days); a longer one fires after 1 ms. Intervals
 * and probe timeouts above it are lowered to it; TTLs and deregister delays above it run on a chained timer.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Go's largest `time.Duration` (2^63−1 ns, about 292 years): Consul cannot decode a longer one, so we refuse it. */
export const MAX_DURATION_MS = 9_223_372_036_854;

/** Consul's HTTP and TCP checks time out after 10 s unless told otherwise (`agent/checks/check.go`). */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/**
 * Reads a duration field in milliseconds, refusing one that is not a duration, not finite, negative or above Go's
 * `time.Duration` range with a 400 that names the field. Undefined when the field is absent or empty.
 */
export function durationField(raw: Record<string, unknown>, key: string, field: string): number | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === "") return undefined;
  const ms = parseDuration(v);
  // Go's ParseDuration refuses a unitless number but "0"; say so, as Consul does ("missing unit in duration").
  if (ms === undefined && typeof v === "string" && /^[-+]?\d+(?:\.\d*)?$/.test(v.trim()))
    throw badRequest(
      `Request decode failed: ${field} ${quoted(v, 16)} has no unit`,
      `time: missing unit in duration; use e.g. ${v.trim()}s`,
    );
  if (ms === undefined || !Number.isFinite(ms))
    throw badRequest(`Request decode failed: ${field} ${quoted(String(v), 16)} is not a duration`, "use e.g. 10s");
  // Go reads `-10s`; Consul then refuses a TTL or Interval ≤ 0 (`CheckType.Validate`). One rule for every field here.
  if (ms < 0) throw badRequest(`Invalid check: ${field} ${quoted(String(v), 16)} must not be negative`, "use e.g. 10s");
  if (ms > MAX_DURATION_MS)
    throw badRequest(`Invalid check: ${field} ${quoted(String(v), 16)} over Go's 292 years`, "at most 2562047h");
  return ms;
}

/** A probe's interval: Consul's 1 s minimum below, setTimeout's limit above. */
export function clampInterval(ms: number): number {
  return Math.min(Math.max(ms, MIN_CHECK_INTERVAL_MS), MAX_TIMER_MS);
}

/** A `DeregisterCriticalServiceAfter`, raised to `minMs` (Consul's 1 minute unless configured otherwise). */
export function clampDeregisterAfter(ms: number, minMs = MIN_DEREGISTER_AFTER_MS): number {
  return Math.max(ms, minMs);
}

/** A probe's timeout: at least 1 ms (0 would never let a probe answer), at most setTimeout's limit. */
export function clampTimeout(ms: number): number {
  return Math.min(Math.max(ms, 1), MAX_TIMER_MS);
}

/** An RFC 9110 token: what an HTTP method or header name may contain. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A DNS name (letters, digits, `-`, `_`, dots), at most 253 characters. */
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;
/** fetch refuses these methods outright; a check using one could never pass. */
const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(["CONNECT", "TRACE", "TRACK"]);

/** A `host:port` TCP target: an IP (IPv6 in brackets) or a DNS name, and a port from 1 to 65535. */
export function tcpTarget(value: string): string {
  const at = value.lastIndexOf(":");
  const host = at > 0 ? value.slice(0, at) : "";
  const portText = at > 0 ? value.slice(at + 1) : "";
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) {
    throw badRequest(`Invalid check: TCP ${quoted(value, 24)} must be host:port (port 1-65535)`);
  }
  const validHost = host.startsWith("[") ? isIP(bare) === 6 : isIP(bare) === 4 || HOSTNAME.test(bare);
  if (!validHost)
    throw badRequest(`Invalid check: TCP ${quoted(value, 24)} has no valid host`, "an IP, [IPv6] or DNS name");
  return value;
}

/** An HTTP check's URL: http or https with a host; the port, if any, is 1–65535 (URL refuses higher ones). */
export function httpTarget(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest(`Invalid check: HTTP ${quoted(value)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw badRequest(`Invalid check: HTTP ${quoted(value)} is not http(s)`);
  if (url.hostname === "" || url.port === "0")
    throw badRequest(`Invalid check: HTTP ${quoted(value)} needs a host and port`);
  return url.href;
}

/** An HTTP check's method: a token, and not one fetch refuses (CONNECT, TRACE, TRACK). */
export function httpMethod(value: string | undefined): string {
  if (value === undefined || value === "") return "GET";
  if (!TOKEN.test(value) || FORBIDDEN_METHODS.has(value.toUpperCase())) {
    throw badRequest(`Invalid check: Method ${quoted(value, 24)} is not an HTTP method`, "e.g. GET or HEAD");
  }
  return value;
}

/** At most this many probe headers: far above real checks, small enough that one check cannot weigh much. */
const MAX_HEADERS = 64;

/**
 * An HTTP check's `Header`, Consul's map of name to list of values: names are tokens, values are strings without
 * CR, LF or NUL; repeats are joined with `, ` as HTTP does.
 */
export function httpHeaders(value: unknown): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  if (value === undefined || value === null) return headers;
  if (typeof value !== "object" || Array.isArray(value))
    throw typeMismatch("Check.Header", "map[string][]string", value);
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) throw badRequest(`Invalid check: Header has more than ${MAX_HEADERS} names`);
  for (const [name, values] of entries) {
    if (!TOKEN.test(name)) throw badRequest(`Invalid check: Header name ${quoted(name)} is not a token`);
    const list = Array.isArray(values) ? values : [values];
    if (list.some((v) => typeof v !== "string" || /[\r\n\0]/.test(v))) {
      throw badRequest(`Invalid check: Header ${quoted(name, 24)} values: strings, no CR/LF/NUL`);
    }
    headers[name] = list.join(", ");
  }
  return headers;
}

/**
 * Caps a check's output at Consul's 4 KiB, saying how much was kept as Consul's `CheckTTL.SetStatus` does.
 */
export function capOutput(output: string): string {
  const total = Buffer.byteLength(output);
  if (total <= CHECK_OUTPUT_MAX_BYTES) return output;
  const kept = Buffer.from(output).subarray(0, CHECK_OUTPUT_MAX_BYTES).toString();
  return `${kept} ... (captured ${CHECK_OUTPUT_MAX_BYTES} of ${total} bytes)`;
}
