import { existsSync } from "node:fs";
import {
  configDirSpec,
  createLiveConfig,
  explainIssues,
  isConfigError,
  type LiveConfig,
  splitConfigDirs,
} from "@outrigger/config";
import { type Disposable, type Event, EventSource } from "@outrigger/core";
import { z } from "zod";
import { type OutriggerConfig, outriggerConfigSchema, type ResolvedOutriggerConfig } from "./config-schema.js";
import { OutriggerNodeError } from "./errors.js";

/** Where the `outrigger` section comes from: a config directory, a LiveConfig you made, or a plain object. */
export type ConfigInput = string | LiveConfig<unknown> | { readonly outrigger?: OutriggerConfig };

/** A refused update of the `outrigger` section: the dotted path at fault and why; the last good section stays. */
export interface Refusal {
  readonly code: "OUTRIGGER_CONFIG_INVALID";
  readonly path: string;
  readonly message: string;
}

/** The live `outrigger` section: always a valid one. */
export interface SectionSource {
  current(): ResolvedOutriggerConfig;
  readonly onChange: Event<ResolvedOutriggerConfig>;
  readonly onRefused: Event<Refusal>;
  /** The LiveConfig behind it, when there is one (for its metrics). */
  readonly live: LiveConfig<unknown> | undefined;
  close(): void;
}

/** The whole config file's shape: the `outrigger` section checked, the application's own keys passed through. */
const fileSchema = z.looseObject({ outrigger: outriggerConfigSchema.prefault({}) });

const isLiveConfig = (input: unknown): input is LiveConfig<unknown> =>
  typeof input === "object" && input !== null && typeof (input as LiveConfig<unknown>).subscribe === "function";

/** LiveConfig's codes for a config directory that no longer loads into a section (its files, not a value). */
const UNLOADABLE: ReadonlySet<string> = new Set([
  "CONFIG_LOAD_FAILED",
  "CONFIG_EMPTY",
  "CONFIG_FILE_TOO_LARGE",
  "CONFIG_INVALID_NODE_CONFIG",
  "CONFIG_ENV_MAPPING",
]);

/** The first problem of a section that failed the schema, as `{ path, message }` with the full dotted path. */
function firstIssue(error: z.ZodError): { path: string; message: string } {
  const { issues, summary } = explainIssues(error.issues);
  const path = ["outrigger", issues[0]?.path].filter(Boolean).join(".");
  return { path, message: summary };
}

/** Parses a section at start: OUTRIGGER_CONFIG_INVALID naming the path when it is bad. */
function parseAtStart(section: unknown): ResolvedOutriggerConfig {
  const parsed = outriggerConfigSchema.safeParse(section ?? {});
  if (parsed.success) return parsed.data;
  const { path, message } = firstIssue(parsed.error);
  throw new OutriggerNodeError(
    "OUTRIGGER_CONFIG_INVALID",
    `The outrigger config is invalid at ${path}: ${message}. Fix that value (the schema is @outrigger/node/schema.json).`,
    { path },
  );
}

/**
 * Opens the `outrigger` section of `input`: a directory (node-config layering, reloaded live through
 * `@outrigger/config`: default `$NODE_CONFIG_DIR` or `./config`, or the safe defaults alone when neither exists), a
 * LiveConfig you made (its `outrigger` key is followed and checked here), or a plain object (fixed). A bad section
 * at start throws OUTRIGGER_CONFIG_INVALID; later, a bad update is refused (`onRefused`) and the last good stays.
 */
export function openSection(input: ConfigInput | undefined, logger: Pick<Console, "warn">): SectionSource {
  const changes = new EventSource<ResolvedOutriggerConfig>();
  const refusals = new EventSource<Refusal>();
  const refuse = (path: string, message: string) => {
    logger.warn(
      `outrigger: config update refused at ${path}: ${message} (OUTRIGGER_CONFIG_INVALID); the last good config stays`,
    );
    refusals.emit({ code: "OUTRIGGER_CONFIG_INVALID", path, message });
  };
  // The directory node-config (and `loadConfig`) would read: `--NODE_CONFIG_DIR=`, else a non-empty
  // `$NODE_CONFIG_DIR`, else ./config — so the app's config and Outrigger's never come from two places.
  const dir = typeof input === "string" ? input : input === undefined ? configDirSpec(undefined) : undefined;
  if (dir === undefined && !isLiveConfig(input)) {
    const fixed = parseAtStart((input as { outrigger?: unknown } | undefined)?.outrigger);
    return {
      current: () => fixed,
      onChange: changes.event,
      onRefused: refusals.event,
      live: undefined,
      close: () => {},
    };
  }
  if (dir !== undefined && input === undefined && !splitConfigDirs(dir).some((d) => existsSync(d))) {
    // node-config warns too ("No configurations found in configuration directory"); a missing ./config is the
    // quiet default, a directory someone named is not.
    if (dir !== `${process.cwd()}/config`) {
      logger.warn(`outrigger: no config directory ${dir} (NODE_CONFIG_DIR): running on the safe defaults`);
    }
    const fixed = parseAtStart({});
    return {
      current: () => fixed,
      onChange: changes.event,
      onRefused: refusals.event,
      live: undefined,
      close: () => {},
    };
  }
  const owned = dir !== undefined;
  let live: LiveConfig<unknown>;
  try {
    live = owned
      ? createLiveConfig({ dir, schema: fileSchema, logger: { warn: () => {} } })
      : (input as LiveConfig<unknown>);
  } catch (error) {
    if (isConfigError(error) && error.code === "CONFIG_INVALID") {
      const path = error.path ?? "outrigger";
      throw new OutriggerNodeError(
        "OUTRIGGER_CONFIG_INVALID",
        `The outrigger config in ${error.file ?? dir} is invalid at ${path}: ${error.message}. Fix that value.`,
        { path, cause: error },
      );
    }
    throw error;
  }
  let current = parseAtStart(live.config.has("outrigger") ? live.get("outrigger") : {});
  const subs: Disposable[] = [
    live.subscribe("outrigger", (next) => {
      const parsed = outriggerConfigSchema.safeParse(next ?? {});
      if (!parsed.success) {
        const { path, message } = firstIssue(parsed.error);
        return refuse(path, message);
      }
      current = parsed.data;
      changes.emit(current);
    }),
  ];
  if (owned) {
    // Our own LiveConfig validated the update with the section's schema: its refusal is ours to report.
    subs.push(
      live.onError((error) => {
        if (error.code === "CONFIG_INVALID") refuse(error.path ?? "outrigger", error.message);
        // A file that no longer loads (garbage, emptied, `null`, deleted, too large) is an update refused too: the
        // last good section stays, and an operator must hear of it as of any other refusal.
        else if (UNLOADABLE.has(error.code)) refuse("outrigger", `${error.code}: ${error.message}`);
        else logger.warn(`outrigger: config ${error.code}: ${error.message}`);
      }),
    );
  }
  return {
    current: () => current,
    onChange: changes.event,
    onRefused: refusals.event,
    live,
    close: () => {
      for (const sub of subs) sub.dispose();
      if (owned) live.close();
    },
  };
}
