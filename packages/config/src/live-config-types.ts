import type { Disposable, Event } from "@outrigger/core";
import type { PathChange } from "./config-path.js";
import type { ConfigView } from "./config-view.js";
import type { WatchFactory } from "./dir-watcher.js";
import type { ConfigError, ConfigErrorCode } from "./errors.js";
import type { Loader } from "./load-candidate.js";
import type { ConfigSchema } from "./schema.js";
import type { RestartRequired } from "./validate.js";

/** Where LiveConfig writes its log lines (one per rejected update or fault); `console` by default. */
export interface ConfigLogger {
  warn(message: string): void;
}

/** How to load, validate and watch. */
export interface LiveConfigOptions<T> {
  /** Directory spec as for loadConfig (several joined by `path.delimiter`); default `NODE_CONFIG_DIR` or `./config`. */
  readonly dir?: string;
  /** Validates every update before it applies and types `value` (a zod schema fits). */
  readonly schema?: ConfigSchema<T>;
  /** Dotted paths that only take effect on restart: changes are reported through onRestartRequired, not applied. */
  readonly restartOnly?: readonly string[];
  /** Quiet time after the last file event before loading (trailing edge). Default 100 ms: kubelet's swap takes a few
   *  ms, an editor's save (truncate, write, rename) tens; 100 ms absorbs both and stays well under a human's notice. */
  readonly debounceMs?: number;
  /** Longest a reload waits while events keep coming (lodash's `maxWait`). Default 1 000 ms: a file rewritten every
   *  50 ms would otherwise never reload; 1 s keeps a busy writer from costing more than one load a second. */
  readonly maxWaitMs?: number;
  /** Largest config file read, in bytes (default 1 MiB, a ConfigMap's limit); a larger one is refused unread with
   *  CONFIG_FILE_TOO_LARGE (the last good config stays), so parsing never holds the event loop for long. */
  readonly maxFileBytes?: number;
  /** Fallback poll of the directories' fingerprint, in ms; 0 turns it off. Default 5 000: a missed event (network
   *  file systems, overlay mounts, a watcher that died) costs at most 5 s, and a poll is a few stat calls. */
  readonly pollIntervalMs?: number;
  /** Watch the directories with fs.watch (default true); false leaves polling only. */
  readonly watch?: boolean;
  readonly logger?: ConfigLogger;
  /** Replaces node-config's loader (tests, other sources). */
  readonly loader?: Loader;
  /** Replaces fs.watch (tests inject failing watchers). */
  readonly watchFactory?: WatchFactory;
}

/** One applied update: every changed leaf path with its old and new value, and the new configuration. */
export interface ConfigChangeEvent<T> {
  readonly changes: readonly PathChange[];
  readonly config: ConfigView;
  /** The configuration this update replaced. */
  readonly previous: ConfigView;
  readonly value: T;
}

/** Counters of what reloads did; `createConfigMetrics` (`@outrigger/config/metrics`) serves them to Prometheus. */
export interface LiveConfigStats {
  readonly reloads: number;
  readonly applied: number;
  readonly unchanged: number;
  readonly rejected: number;
  readonly errorsByCode: Readonly<Partial<Record<ConfigErrorCode, number>>>;
  readonly lastError: ConfigError | undefined;
  /** False while the newest reload was rejected (the last good config is still in use), as Prometheus' own flag. */
  readonly lastReloadOk: boolean;
  /** When the configuration in use was applied (epoch ms; the first load counts). */
  readonly lastAppliedAt: number;
}

/** Listener for one path: its new value, the value before, and the whole change. */
export type PathListener<V, T> = (
  newValue: V | undefined,
  oldValue: V | undefined,
  event: ConfigChangeEvent<T>,
) => unknown;

/** node-config's layering, reloaded from a watched directory; only a valid configuration is ever applied. */
export interface LiveConfig<T> {
  /** The last good configuration. */
  readonly config: ConfigView;
  /** The last good configuration as the schema typed it. */
  readonly value: T;
  /** The value at `path` in the last good configuration; throws CONFIG_MISSING_KEY when there is none. */
  get<V = unknown>(path: string): V;
  /** Calls `listener` after each applied update that changed the value at `path` (or under it). */
  subscribe<V = unknown>(path: string, listener: PathListener<V, T>): Disposable;
  readonly onChange: Event<ConfigChangeEvent<T>>;
  /** Rejected updates, watcher faults, failing listeners, code-format files: each a ConfigError with a code. */
  readonly onError: Event<ConfigError>;
  /** Restart-only keys that changed on disk; their live values stay. */
  readonly onRestartRequired: Event<readonly RestartRequired[]>;
  readonly stats: LiveConfigStats;
  /** Code-format config files in the directories (not read: Node caches modules, so they cannot reload). */
  readonly notReloadable: readonly string[];
  /** Loads now, skipping the debounce; true when an update was applied. */
  reload(): boolean;
  close(): void;
}
