export type { Disposable, Event } from "@outrigger/core";
export { writeAtomically } from "./atomic-writer.js";
export type { PathChange } from "./config-path.js";
export { type ConfigView, createConfigView } from "./config-view.js";
export type { WatchFactory } from "./dir-watcher.js";
export { ConfigError, type ConfigErrorCode, type ConfigErrorOptions, isConfigError } from "./errors.js";
export {
  type ConfigChangeEvent,
  type ConfigLogger,
  createLiveConfig,
  type LiveConfig,
  type LiveConfigOptions,
  type LiveConfigStats,
  type PathListener,
} from "./live-config.js";
export { CODE_FORMATS, DATA_FORMATS, type Loader } from "./load-candidate.js";
export {
  configDirSpec,
  type LoadConfigOptions,
  type LoadedLayers,
  loadConfig,
  loadLayers,
  splitConfigDirs,
} from "./load-config.js";
export { DATA_LINK } from "./mounted-dir.js";
export type { ConfigSchema, SchemaIssue } from "./schema.js";
export { type ExplainedIssues, explainIssues } from "./schema-issues.js";
export type { RestartRequired } from "./validate.js";
