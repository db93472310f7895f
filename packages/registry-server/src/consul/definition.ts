import { routableId } from "../routable-id.js";
import {
  clampDeregisterAfter,
  clampInterval,
  clampTimeout,
  DEFAULT_CHECK_TIMEOUT_MS,
  durationField,
  httpHeaders,
  httpMethod,
  httpTarget,
  MIN_DEREGISTER_AFTER_MS,
  tcpTarget,
} from "./check-limits.js";
import { badRequest, typeMismatch } from "./consul-error.js";
import { type HttpCheckOptions, httpCheckOptions } from "./http-check-options.js";
import { serviceMeta } from "./service-meta.js";

/** A check's health, in Consul's words. */
export type CheckStatus = "passing" | "warning" | "critical";

/** How a check learns its status: the service pushes it (TTL) or the registry probes (HTTP, TCP). */
export type CheckKind =
  | { readonly type: "ttl"; readonly ttlMs: number }
  | ({
      readonly type: "http";
      readonly url: string;
      readonly method: string;
      readonly intervalMs: number;
      readonly timeoutMs: number;
      readonly headers: Record<string, string>;
    } & HttpCheckOptions)
  | { readonly type: "tcp"; readonly address: string; readonly intervalMs: number; readonly timeoutMs: number };

/** One check of a service registration. */
export interface CheckDefinition {
  readonly id: string;
  readonly name: string;
  readonly notes: string;
  readonly kind: CheckKind;
  readonly status: CheckStatus;
  /** Remove the whole service once this check has been critical this long (Consul's reaper). */
  readonly deregisterCriticalAfterMs: number | undefined;
}

/** A service as Consul answers it, whichever protocol registered it. */
export interface ServiceView {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly port: number;
  readonly meta: Record<string, string>;
  readonly weights: { readonly passing: number; readonly warning: number };
  /**
   * Consul's `EnableTagOverride`, kept and shown as registered. It lets catalog writes change the tags without the
   * agent restoring them; this registry takes no catalog writes (`/v1/catalog/register` is refused), so it changes
   * nothing here — as in a Consul cluster where nothing writes the catalog. Absent: false.
   */
  readonly enableTagOverride?: boolean;
}

/** A service registration, as `PUT /v1/agent/service/register` describes it. */
export interface ServiceDefinition extends ServiceView {
  readonly checks: readonly CheckDefinition[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Folds keys the way the `consul` npm client does (drop `_`, lower-case), so `DeregisterCriticalServiceAfter`,
 * `deregister_critical_service_after` and `deregistercriticalserviceafter` all read the same.
 */
function fold(value: unknown): Json {
  const out: Json = Object.create(null);
  if (!isObject(value)) return out;
  for (const [key, v] of Object.entries(value)) out[key.replace(/_/g, "").toLowerCase()] = v;
  return out;
}

function optionalText(raw: Json, key: string, what: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw typeMismatch(what, "string", v);
  return v;
}

function checkStatus(raw: Json): CheckStatus {
  const s = optionalText(raw, "status", "Check.Status");
  if (s === undefined || s === "") return "critical"; // Consul starts a new check critical until it hears otherwise.
  if (s === "passing" || s === "warning" || s === "critical") return s;
  throw badRequest(`Invalid check status: "${s}" (use passing, warning or critical)`);
}

/**
 * What kind of check this is, validated and bounded: TTL, or HTTP/TCP with an interval (raised to Consul's 1 s
 * minimum), a timeout, and a target that can be probed (a 400 naming the field otherwise).
 */
function checkKind(raw: Json): CheckKind {
  const ttlMs = durationField(raw, "ttl", "Check.TTL");
  const http = optionalText(raw, "http", "Check.HTTP");
  const tcp = optionalText(raw, "tcp", "Check.TCP");
  const intervalMs = durationField(raw, "interval", "Check.Interval");
  const timeoutMs = clampTimeout(durationField(raw, "timeout", "Check.Timeout") ?? DEFAULT_CHECK_TIMEOUT_MS);
  if (ttlMs !== undefined) {
    if (ttlMs <= 0) throw badRequest("Invalid check: TTL must be above zero");
    return { type: "ttl", ttlMs };
  }
  if (http === undefined && tcp === undefined) {
    throw badRequest("Invalid check: use TTL, or HTTP/TCP with an Interval (script: not supported)");
  }
  if (intervalMs === undefined || intervalMs <= 0)
    throw badRequest("Invalid check: HTTP and TCP checks need an Interval such as 10s");
  if (http !== undefined) {
    return {
      type: "http",
      url: httpTarget(http),
      method: httpMethod(optionalText(raw, "method", "Check.Method")),
      intervalMs: clampInterval(intervalMs),
      timeoutMs,
      headers: httpHeaders(raw.header),
      ...httpCheckOptions(raw),
    };
  }
  return { type: "tcp", address: tcpTarget(tcp as string), intervalMs: clampInterval(intervalMs), timeoutMs };
}

/**
 * Reads one check definition; `id` is used when it names no `CheckID`/`ID`. `minDeregisterMs` is the floor of its
 * `DeregisterCriticalServiceAfter` (Consul's `check_deregister_interval_min`, 1 minute by default).
 */
export function parseCheck(value: unknown, id: string, minDeregisterMs = MIN_DEREGISTER_AFTER_MS): CheckDefinition {
  const raw = fold(value);
  return {
    id: routableId(
      optionalText(raw, "checkid", "Check.CheckID") || optionalText(raw, "id", "Check.ID") || id,
      "CheckID",
    ),
    name: optionalText(raw, "name", "Check.Name") || `Service check ${id}`,
    notes: optionalText(raw, "notes", "Check.Notes") ?? "",
    kind: checkKind(raw),
    status: checkStatus(raw),
    deregisterCriticalAfterMs: deregisterAfter(raw, minDeregisterMs),
  };
}

function deregisterAfter(raw: Json, minMs: number): number | undefined {
  const ms = durationField(raw, "deregistercriticalserviceafter", "Check.DeregisterCriticalServiceAfter");
  return ms === undefined || ms <= 0 ? undefined : clampDeregisterAfter(ms, minMs);
}

/**
 * A service Address other than a wildcard: Consul's AgentRegisterService refuses `0.0.0.0`, `::` and `[::]`
 * (`ipaddr.IsAny`, hashicorp/consul#3017) with 400 `Invalid service address` — a listener's bind address is no
 * address a consumer can dial. Empty means "the node's address", as in Consul.
 */
function serviceAddress(address: string | undefined): string | undefined {
  if (address === "0.0.0.0" || address === "::" || address === "[::]") {
    throw badRequest("Invalid service address", "0.0.0.0, :: and [::] are bind addresses: send one clients can reach");
  }
  return address;
}

/** A Go `bool` field: absent or null is false, anything but a JSON boolean is Go's decode error. */
function goBool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw typeMismatch(field, "bool", value);
  return value;
}

function port(raw: Json): number {
  const v = raw.port ?? 0;
  if (typeof v !== "number") throw typeMismatch("Port", "int", v);
  if (!Number.isInteger(v) || v < 0 || v > 65_535) {
    throw badRequest("Request decode failed: Port must be a whole number from 0 to 65535");
  }
  return v;
}

/** Consul's ValidateWeights (agent/structs/structs.go): a DNS weight is at most 65535 (an SRV record's field). */
const MAX_WEIGHT = 65_535;

function weight(value: unknown, field: string, min: number): number {
  // A string ("3") is a type error, as Go's decoder reports it, not a range error (issue 15's breaker pass).
  if (typeof value !== "number") throw typeMismatch(field, "int", value);
  if (Number.isInteger(value) && value > MAX_WEIGHT) {
    throw badRequest("Invalid Weights: DNS Weight must be between 0 and 65535", `${field} is ${value}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw badRequest(
      `Invalid ${field}: Passing must be greater than 0, Warning not negative`,
      `${field} must be a whole number from ${min} to ${MAX_WEIGHT}`,
    );
  }
  return value;
}

function weights(raw: Json): ServiceDefinition["weights"] {
  if (raw.weights !== undefined && raw.weights !== null && !isObject(raw.weights)) {
    throw typeMismatch("Weights", "Weights object", raw.weights);
  }
  const w = fold(raw.weights);
  return {
    passing: weight(w.passing ?? 1, "Weights.Passing", 1),
    warning: weight(w.warning ?? 1, "Weights.Warning", 0),
  };
}

/**
 * Reads a service registration leniently in key case, strictly in meaning: Consul's 400 reasons for a missing
 * Name or a check it cannot run. `fallbackAddress` is used when the body names no Address (the caller's IP);
 * `minDeregisterMs` is the floor of `DeregisterCriticalServiceAfter` (Consul's `check_deregister_interval_min`).
 */
export function parseServiceDefinition(
  body: unknown,
  fallbackAddress: string,
  minDeregisterMs = MIN_DEREGISTER_AFTER_MS,
): ServiceDefinition {
  if (!isObject(body)) throw badRequest("Request decode failed: send a JSON object describing the service");
  const raw = fold(body);
  const name = optionalText(raw, "name", "Name");
  if (!name) throw badRequest("Missing service name");
  // The ID travels in every later URL (deregister, maintenance, `service:<ID>` checks): refused if unroutable.
  const id = routableId(optionalText(raw, "id", "ID") || name, "ID");
  const rawTags = raw.tags ?? [];
  if (!Array.isArray(rawTags)) throw typeMismatch("Tags", "[]string", rawTags);
  const badTag = rawTags.findIndex((t) => typeof t !== "string");
  if (badTag >= 0) throw typeMismatch(`Tags[${badTag}]`, "string", rawTags[badTag]);
  const listed = Array.isArray(raw.checks) ? raw.checks : [];
  const all = raw.check !== undefined && raw.check !== null ? [raw.check, ...listed] : listed;
  // One check is `service:<ID>`, as in Consul; several are numbered `service:<ID>:1`, `service:<ID>:2`, ...
  const checks = all.map((c, i) =>
    parseCheck(c, all.length === 1 ? `service:${id}` : `service:${id}:${i + 1}`, minDeregisterMs),
  );
  return {
    id,
    name,
    tags: rawTags as string[],
    address: serviceAddress(optionalText(raw, "address", "Address")) || fallbackAddress,
    port: port(raw),
    meta: serviceMeta(raw.meta),
    weights: weights(raw),
    enableTagOverride: goBool(raw.enabletagoverride, "EnableTagOverride"),
    checks,
  };
}
