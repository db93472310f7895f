export { type ConfigView, createConfigView } from "./config-view.js";
export { ConfigError, type ConfigErrorCode, isConfigError } from "./errors.js";
export { type LoadConfigOptions, loadConfig } from "./load-config.js";
