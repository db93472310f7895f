import { errorGuard, OutriggerError, type OutriggerErrorOptions } from "@outrigger/core";

/** Stable codes of the config package's errors; see ERRORS.md at the repository root. */
export type ConfigErrorCode =
  | "CONFIG_MISSING_KEY"
  | "CONFIG_LOAD_FAILED"
  | "CONFIG_INVALID_NODE_CONFIG"
  | "CONFIG_EMPTY"
  | "CONFIG_INVALID"
  | "CONFIG_INVALID_OPTION"
  | "CONFIG_FILE_TOO_LARGE"
  | "CONFIG_ENV_MAPPING"
  | "CONFIG_NOT_RELOADABLE"
  | "CONFIG_LISTENER_FAILED"
  | "CONFIG_WATCH_FAILED";

/** Where a config error points: the file and the dotted path at fault, when known. */
export interface ConfigErrorOptions extends OutriggerErrorOptions {
  readonly file?: string;
  readonly path?: string;
}

/**
 * An error of the config package: an `OutriggerError` with a stable `CONFIG_…` code, the file and path at fault,
 * and the underlying `cause`.
 */
export class ConfigError extends OutriggerError<ConfigErrorCode> {
  override readonly name = "ConfigError";
  /** The config file at fault, when one is. */
  readonly file: string | undefined;
  /** The dotted config path at fault, when one is. */
  readonly path: string | undefined;

  constructor(code: ConfigErrorCode, message: string, options?: ConfigErrorOptions) {
    super(code, message, options);
    this.file = options?.file;
    this.path = options?.path;
  }
}

/** True for a ConfigError, even one from another copy of this package (matched by brand and name). */
export const isConfigError: (error: unknown) => error is ConfigError = errorGuard<ConfigError>("ConfigError");
