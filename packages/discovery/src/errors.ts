import { checkNumber, errorGuard, MAX_TIMER_DELAY_MS, type NumberRule, OutriggerError } from "@outrigger/core";

/** Stable codes of discovery's errors; see ERRORS.md at the repository root. */
export type DiscoveryErrorCode =
  | "DISCOVERY_REGISTRY_UNREACHABLE"
  | "DISCOVERY_REGISTRY_REJECTED"
  | "DISCOVERY_BAD_RESPONSE"
  | "DISCOVERY_INVALID_OPTION"
  | "DISCOVERY_SNAPSHOT_FAILED"
  | "DISCOVERY_DNS_FAILED"
  | "DISCOVERY_UNAUTHORIZED"
  | "DISCOVERY_TOKEN_FAILED";

/**
 * An error of the discovery package, with a stable `code` and the underlying `cause`: `@outrigger/core`'s branded
 * error, so `isDiscoveryError` holds across two copies of the package.
 */
export class DiscoveryError extends OutriggerError<DiscoveryErrorCode> {
  override readonly name = "DiscoveryError";
}

/** True for a DiscoveryError, even one from another copy of this package. */
export const isDiscoveryError: (error: unknown) => error is DiscoveryError =
  errorGuard<DiscoveryError>("DiscoveryError");

/** Throws DISCOVERY_INVALID_OPTION unless `value` is a finite number within `rule` (core's `checkNumber`). */
export function checkOption(name: string, value: unknown, rule: NumberRule): number {
  return checkNumber(name, value, rule, (message) => new DiscoveryError("DISCOVERY_INVALID_OPTION", message));
}

/**
 * A duration option in ms, or its default, checked: finite, ≥ `min` (default 1), and at most setTimeout's
 * 2^31−1 ms (Node fires a longer timer after 1 ms). NaN or a negative interval would poll in a tight loop.
 */
export function durationOption(name: string, value: number | undefined, fallback: number, min = 1): number {
  return checkOption(name, value ?? fallback, { min, max: MAX_TIMER_DELAY_MS });
}

/** Throws DISCOVERY_INVALID_OPTION unless `value` is a non-blank string (a service or app name, a host). */
export function checkName(name: string, value: unknown): string {
  if (typeof value === "string" && value.trim() !== "") return value;
  throw new DiscoveryError(
    "DISCOVERY_INVALID_OPTION",
    `${name} must be a non-empty string, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`,
  );
}

/**
 * Throws DISCOVERY_INVALID_OPTION unless `value` is a port a client can connect to: a whole number 1–65535 (TCP's
 * port field is 16 bits, RFC 9293 §3.1; 0 only asks the OS for a port when binding). Eureka itself checks no range
 * (Netflix/eureka `InstanceInfo.java` stores any `int`; `ApplicationResource.addInstance` checks only id, host,
 * IP, app and data center), so a bad port would be registered and handed to every client.
 */
export function checkPort(name: string, value: unknown): number {
  return checkOption(name, value, { min: 1, max: 65_535, integer: true });
}
