/** Stable codes of the config package's errors; see ERRORS.md at the repository root. */
export type ConfigErrorCode = "CONFIG_MISSING_KEY" | "CONFIG_LOAD_FAILED" | "CONFIG_INVALID_NODE_CONFIG";

const brand = Symbol.for("outrigger.ConfigError");

/** An error of the config package, with a stable `code` and the underlying `cause`. */
export class ConfigError extends Error {
  readonly [brand] = true;
  override readonly name = "ConfigError";

  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True for a ConfigError, even one from another copy of this package. */
export function isConfigError(error: unknown): error is ConfigError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
