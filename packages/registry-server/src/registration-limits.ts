import { RegistryError } from "./errors.js";

/**
 * Limits on the numbers of an Eureka registration. Eureka declares them as Java types (Netflix/eureka
 * `InstanceInfo`: `int port`, `int securePort`, `int countryId`, `Long lastDirtyTimestamp`, `Long
 * lastUpdatedTimestamp`; `LeaseInfo`: `int renewalIntervalInSecs`, `int durationInSecs`, `long` timestamps) and its
 * codec refuses a value that does not fit, so the registry answers 400 where Eureka could not decode the
 * registration at all, naming the field; and a port is a TCP port (0–65535; 0 for one the client does not listen
 * on).
 */

/** Java's `int` range, which Eureka's `int` fields hold. */
const JAVA_INT_MAX = 2 ** 31 - 1;

/** The largest TCP port. */
export const MAX_PORT = 65_535;

/**
 * The longest lease the registry grants, in seconds: ten years, the lease it gives services registered through
 * the Consul API (whose checks, not renewals, decide their health). A longer `durationInSecs` (up to Java's `int`)
 * is held this long; one beyond Java's `int` is refused, as Eureka's codec refuses it.
 */
export const MAX_LEASE_DURATION_SECS = 10 * 365 * 24 * 3600;

/** Refuses a registration number with a 400 that names the field and what it may be. */
function invalid(field: string, value: unknown, rule: string): RegistryError {
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 24)) : String(value).slice(0, 24);
  return new RegistryError("REGISTRY_INVALID_FIELD", `Invalid ${field}: ${shown} (${rule})`);
}

/** A JSON or XML number (XML and older clients send numbers as text); NaN when it is none. */
function numeric(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "") return Number(value);
  return Number.NaN;
}

/**
 * A whole number from `min` to `max`, or undefined when the field is absent (`undefined`, `null` or `""`); anything
 * else is refused with `REGISTRY_INVALID_FIELD` naming `field`.
 */
export function wholeField(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const n = numeric(value);
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(field, value, `a whole number from ${min} to ${max}`);
  return n;
}

/** A port number (`instance.port.$`, `instance.securePort.$`): 0–65535. */
export function portField(value: unknown, field: string): number | undefined {
  return wholeField(value, field, 0, MAX_PORT);
}

/** A Java `int` field such as `countryId`. */
export function intField(value: unknown, field: string): number | undefined {
  return wholeField(value, field, -JAVA_INT_MAX - 1, JAVA_INT_MAX);
}

/** A millisecond timestamp (a Java `long`; here a safe integer ≥ 0). */
export function timestampField(value: unknown, field: string): number | undefined {
  return wholeField(value, field, 0, Number.MAX_SAFE_INTEGER);
}

/**
 * A lease's `durationInSecs` or `renewalIntervalInSecs`: a Java `int`; ≤ 0 means the default (undefined, as
 * Eureka's `LeaseInfo.Builder`); above `MAX_LEASE_DURATION_SECS` it is held at that maximum.
 */
export function leaseSecondsField(value: unknown, field: string): number | undefined {
  const n = intField(value, field);
  return n === undefined || n <= 0 ? undefined : Math.min(n, MAX_LEASE_DURATION_SECS);
}
