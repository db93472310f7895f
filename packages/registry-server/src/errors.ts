/** Stable codes of the registry server's errors; see ERRORS.md at the repository root. */
export type RegistryErrorCode =
  | "REGISTRY_BAD_REQUEST"
  | "REGISTRY_INVALID_FIELD"
  | "REGISTRY_ID_TOO_LONG"
  | "REGISTRY_NOT_FOUND"
  | "REGISTRY_BODY_TOO_LARGE"
  | "REGISTRY_INVALID_OPTION"
  | "REGISTRY_CONSUL_BAD_REQUEST"
  | "REGISTRY_CONSUL_NOT_FOUND"
  | "REGISTRY_CONSUL_PERMISSION_DENIED"
  | "REGISTRY_CONSUL_INTERNAL"
  | "REGISTRY_CONSUL_UNSUPPORTED"
  | "REGISTRY_UNAUTHORIZED"
  | "REGISTRY_TOO_MANY_STREAMS"
  | "REGISTRY_TOO_MANY_LONG_POLLS"
  | "REGISTRY_FORBIDDEN"
  | "REGISTRY_TLS_RELOAD_FAILED"
  | "REGISTRY_INTERNAL"
  | "REGISTRY_POLICY_INVALID"
  | "REGISTRY_POLICY_UNSUPPORTED"
  | "REGISTRY_POLICY_NOT_FOUND"
  | "REGISTRY_POLICY_LIMIT"
  | "REGISTRY_POLICY_CONFLICT"
  | "REGISTRY_REPORT_CLAIMED"
  | "REGISTRY_NOT_READY";

const brand = Symbol.for("outrigger.RegistryError");

/** An error of the registry server, with a stable `code` and an HTTP status to answer with. */
export class RegistryError extends Error {
  readonly [brand] = true;
  override readonly name = "RegistryError";

  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly statusCode = 400,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for a RegistryError, even one from another copy of this package. */
export function isRegistryError(error: unknown): error is RegistryError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}

/** A 404 for an unknown application or instance; on a renew it tells the client to register again. */
export function notFound(message: string): RegistryError {
  return new RegistryError("REGISTRY_NOT_FOUND", message, 404);
}
