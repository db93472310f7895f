import { checkNumber, EventSource, wallClock } from "@outrigger/core";
import { deepEqual, diffConfig, lookupPath, overlay } from "./config-path.js";
import { createConfigView, deepFreeze } from "./config-view.js";
import { createDebouncer } from "./debounce.js";
import { type DirWatcher, watchDirs } from "./dir-watcher.js";
import { ConfigError, type ConfigErrorCode, isConfigError } from "./errors.js";
import type {
  ConfigChangeEvent,
  ConfigLogger,
  LiveConfig,
  LiveConfigOptions,
  PathListener,
} from "./live-config-types.js";
import { type Candidate, loadCandidate } from "./load-candidate.js";
import { configDirSpec, DEFAULT_MAX_FILE_BYTES, splitConfigDirs } from "./load-config.js";
import { fingerprintDirs, resolveMountedDir } from "./mounted-dir.js";
import { anySchema } from "./schema.js";
import { type ApplyPlan, planApply, type RestartRequired } from "./validate.js";

export type {
  ConfigChangeEvent,
  ConfigLogger,
  LiveConfig,
  LiveConfigOptions,
  LiveConfigStats,
  PathListener,
} from "./live-config-types.js";

const defaultLogger: ConfigLogger = { warn: (message) => console.warn(message) };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Loads configuration with node-config's layering and keeps it current: watches the directories (Kubernetes
 * `..data` swaps and in-place edits), debounces, loads one consistent version, validates, then applies all of it
 * or none of it. Throws when the first load fails, since there is no last good configuration to keep.
 */
export function createLiveConfig<T = Record<string, unknown>>(options: LiveConfigOptions<T> = {}): LiveConfig<T> {
  const dirs = splitConfigDirs(configDirSpec(options.dir));
  const schema = options.schema ?? anySchema<T>();
  const restartOnly = options.restartOnly ?? [];
  const logger = options.logger ?? defaultLogger;
  const invalid = (message: string) => new ConfigError("CONFIG_INVALID_OPTION", message);
  const pollIntervalMs = checkNumber("pollIntervalMs", options.pollIntervalMs ?? 5_000, {}, invalid);
  const debounceMs = checkNumber("debounceMs", options.debounceMs ?? 100, { max: 60_000 }, invalid);
  const maxWaitMs = checkNumber(
    "maxWaitMs",
    options.maxWaitMs ?? Math.max(1_000, debounceMs),
    { min: debounceMs, max: 3_600_000 },
    invalid,
  );
  const maxFileBytes = checkNumber(
    "maxFileBytes",
    options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    { min: 1, integer: true },
    invalid,
  );
  // The files that gave values to the config in force: one of them turning empty is a cut write, not a placeholder.
  let withValues: ReadonlySet<string> = new Set();
  const load = () => loadCandidate(dirs, options.loader, maxFileBytes, withValues);
  const counts = { reloads: 0, applied: 0, unchanged: 0, rejected: 0 };
  let lastReloadOk = true;
  let lastAppliedAt = wallClock.now();
  const errorsByCode: Partial<Record<ConfigErrorCode, number>> = {};
  let lastError: ConfigError | undefined;

  const errors = new EventSource<ConfigError>((error) =>
    logger.warn(`[outrigger/config] an onError listener failed: ${String(error)}`),
  );
  const report = (error: ConfigError) => {
    errorsByCode[error.code] = (errorsByCode[error.code] ?? 0) + 1;
    lastError = error;
    logger.warn(
      `[outrigger/config] ${error.code}: ${error.message}${error.file ? ` [file ${error.file}]` : ""}${error.path ? ` [path ${error.path}]` : ""}`,
    );
    errors.emit(error);
  };
  const listenerFailed = (cause: unknown) =>
    report(
      new ConfigError(
        "CONFIG_LISTENER_FAILED",
        `A config listener failed: ${String((cause as Error)?.message ?? cause)}`,
        {
          cause,
        },
      ),
    );
  const changes = new EventSource<ConfigChangeEvent<T>>(listenerFailed);
  const restarts = new EventSource<readonly RestartRequired[]>(listenerFailed);

  /** The view and typed value of one plan: `get(path)` reads the schema's output where it has one (a coerced env
   *  value, a default), the loaded data elsewhere; both are deeply frozen. */
  const applyPlan = (plan: ApplyPlan<T>, candidate: Candidate) => {
    const typed = deepFreeze(plan.value);
    const data = overlay(plan.data, typed);
    const names = candidate.sources.map((s) => s.name);
    return {
      view: createConfigView(isRecord(data) ? data : plan.data, names),
      value: typed,
      // What the files say, for restart-only comparisons (a coerced value would differ from its source for ever).
      raw: deepFreeze(plan.data),
    };
  };

  const first = load();
  if (!first.ok) throw first.error;
  const firstApplied = applyPlan(
    planApply(schema, first.candidate.data, first.candidate.sources, undefined, restartOnly),
    first.candidate,
  );
  let view = firstApplied.view;
  let value = firstApplied.value;
  let raw = firstApplied.raw;
  let fingerprint = first.fingerprint;
  let codeFiles = first.candidate.codeFiles;
  withValues = first.candidate.withValues;
  let pendingRestart = new Map<string, unknown>();
  for (const file of codeFiles.keys()) {
    logger.warn(
      `[outrigger/config] ${file} is code: LiveConfig reads data formats only; move its settings to JSON/YAML`,
    );
  }

  const reportCodeFiles = (candidate: Candidate) => {
    for (const [file, hash] of candidate.codeFiles) {
      if (codeFiles.get(file) === hash) continue;
      report(
        new ConfigError(
          "CONFIG_NOT_RELOADABLE",
          `${file} is code (Node caches modules), so it cannot reload: move its settings to a data file (JSON, YAML)`,
          { file },
        ),
      );
    }
    codeFiles = candidate.codeFiles;
  };

  const reload = (): boolean => {
    counts.reloads++;
    const result = load();
    if (result.fingerprint) fingerprint = result.fingerprint;
    if (!result.ok) {
      counts.rejected++;
      lastReloadOk = false;
      report(result.error);
      return false;
    }
    reportCodeFiles(result.candidate);
    let plan: ApplyPlan<T>;
    try {
      plan = planApply(schema, result.candidate.data, result.candidate.sources, raw, restartOnly);
    } catch (error) {
      counts.rejected++;
      lastReloadOk = false;
      report(isConfigError(error) ? error : new ConfigError("CONFIG_INVALID", String(error), { cause: error }));
      return false;
    }
    // Report a pending restart-only value once, not again on every later reload that still finds it on disk.
    const fresh = plan.restartRequired.filter((r) => !deepEqual(pendingRestart.get(r.path), r.pendingValue));
    pendingRestart = new Map(plan.restartRequired.map((r) => [r.path, r.pendingValue]));
    if (fresh.length > 0) {
      for (const r of fresh) {
        logger.warn(`[outrigger/config] ${r.path} changed on disk but is restart-only: it applies on the next start`);
      }
      restarts.emit(fresh);
    }
    lastReloadOk = true;
    withValues = result.candidate.withValues;
    const next = applyPlan(plan, result.candidate);
    const diff = diffConfig(view.data, next.view.data);
    if (diff.length === 0) {
      counts.unchanged++;
      return false;
    }
    const before = view;
    // All or nothing: the new view and typed value replace the old ones together, before anyone is told.
    ({ view, value, raw } = next);
    counts.applied++;
    lastAppliedAt = wallClock.now();
    changes.emit({ changes: diff, config: view, previous: before, value });
    return true;
  };

  const debouncer = createDebouncer(debounceMs, reload, maxWaitMs);
  let watcher: DirWatcher | undefined;
  if (options.watch !== false) {
    watcher = watchDirs(
      dirs,
      {
        onEvent: () => debouncer.trigger(),
        onError: (dir, cause) =>
          report(
            new ConfigError(
              "CONFIG_WATCH_FAILED",
              `Watching ${dir} failed (${String((cause as Error)?.message ?? cause)}); retrying, polling meanwhile`,
              { cause, file: dir },
            ),
          ),
      },
      pollIntervalMs || 1_000,
      options.watchFactory,
    );
  }
  let poller: NodeJS.Timeout | undefined;
  if (pollIntervalMs > 0) {
    poller = setInterval(() => {
      if (fingerprintDirs(dirs.map(resolveMountedDir)) !== fingerprint) debouncer.trigger();
    }, pollIntervalMs);
    poller.unref();
  }

  return {
    get config() {
      return view;
    },
    get value() {
      return value;
    },
    get: (path) => view.get(path),
    subscribe: <V>(path: string, listener: PathListener<V, T>) =>
      changes.event((event) => {
        const oldValue = lookupPath(event.previous.data, path) as V | undefined;
        const newValue = lookupPath(event.config.data, path) as V | undefined;
        // Returned, so a rejection reaches the same isolation as any listener's.
        return deepEqual(oldValue, newValue) ? undefined : listener(newValue, oldValue, event);
      }),
    onChange: changes.event,
    onError: errors.event,
    onRestartRequired: restarts.event,
    get stats() {
      return { ...counts, errorsByCode: { ...errorsByCode }, lastError, lastReloadOk, lastAppliedAt };
    },
    get notReloadable() {
      return [...codeFiles.keys()];
    },
    reload,
    close() {
      debouncer.cancel();
      watcher?.close();
      if (poller) clearInterval(poller);
    },
  };
}
