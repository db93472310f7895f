import nodeConfig from "config/lib/util.js";
import { type ConfigView, createConfigView } from "./config-view.js";
import { ConfigError } from "./errors.js";

/** Where to load configuration from. */
export interface LoadConfigOptions {
  /** Config directory, or several (node-config's `NODE_CONFIG_DIR`, `:`-separated); default `NODE_CONFIG_DIR` or `./config`. */
  readonly dir?: string;
}

function nodeConfigOverride(): Array<{ name: string; config: unknown }> {
  const raw = process.env.NODE_CONFIG;
  if (!raw) return [];
  try {
    return [{ name: "$NODE_CONFIG", config: JSON.parse(raw) }];
  } catch (cause) {
    throw new ConfigError("CONFIG_INVALID_NODE_CONFIG", "$NODE_CONFIG is not valid JSON: fix or unset it", { cause });
  }
}

/**
 * Loads configuration with node-config's layering — default → {NODE_ENV} → {hostname} → local → $NODE_CONFIG →
 * custom-environment-variables — without touching node-config's process-wide singleton, so it can load again.
 */
export function loadConfig(options: LoadConfigOptions = {}): ConfigView {
  const load = nodeConfig.Load.fromEnvironment();
  const dir = options.dir ?? process.env.NODE_CONFIG_DIR ?? `${process.cwd()}/config`;
  load.options.configDir = dir;
  try {
    load.scan(nodeConfigOverride());
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(
      "CONFIG_LOAD_FAILED",
      `Could not load configuration from ${dir}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  return createConfigView(
    structuredClone(load.config),
    load.getSources().map((s) => s.name),
  );
}
