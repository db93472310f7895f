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

const brand = Symbol.for("outrigger.DiscoveryError");

/** An error of the discovery package, with a stable `code` and the underlying `cause`. */
export class DiscoveryError extends Error {
  readonly [brand] = true;
  override readonly name = "DiscoveryError";

  constructor(
    readonly code: DiscoveryErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for a DiscoveryError, even one from another copy of this package. */
export function isDiscoveryError(error: unknown): error is DiscoveryError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
