/** Stable codes of the config package's errors; see ERRORS.md at the repository root. */
export type ConfigErrorCode =
  | "CONFIG_MISSING_KEY"
  | "CONFIG_LOAD_FAILED"
  | "CONFIG_INVALID_NODE_CONFIG"
  | "CONFIG_EMPTY"
  | "CONFIG_INVALID"
  | "CONFIG_NOT_RELOADABLE"
  | "CONFIG_LISTENER_FAILED"
  | "CONFIG_WATCH_FAILED";

/** Where a config error points: the file and the dotted path at fault, when known. */
export interface ConfigErrorOptions extends ErrorOptions {
  readonly file?: string;
  readonly path?: string;
}

const brand = Symbol.for("outrigger.ConfigError");

/** An error of the config package, with a stable `code`, the file and path at fault, and the underlying `cause`. */
export class ConfigError extends Error {
  readonly [brand] = true;
  override readonly name = "ConfigError";
  /** The config file at fault, when one is. */
  readonly file: string | undefined;
  /** The dotted config path at fault, when one is. */
  readonly path: string | undefined;

  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    options?: ConfigErrorOptions,
  ) {
    super(message, options);
    this.file = options?.file;
    this.path = options?.path;
  }
}

/** True for a ConfigError, even one from another copy of this package. */
export function isConfigError(error: unknown): error is ConfigError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[brand] === true;
}
