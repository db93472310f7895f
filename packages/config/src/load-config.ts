import { statSync } from "node:fs";
import { delimiter } from "node:path";
import { checkNumber } from "@outrigger/core";
import nodeConfig from "config/lib/util.js";
import stockParser from "config/parser.js";
import { type ConfigView, createConfigView } from "./config-view.js";
import { checkEnvMapping } from "./env-mapping.js";
import { ConfigError } from "./errors.js";
import { checkExpansion, expansionLimit } from "./expansion-limit.js";
import { withLinearClone } from "./linear-clone.js";
import { copyLoaded } from "./loaded-copy.js";
import { parseYamlMergingKeys } from "./yaml-merge-keys.js";

/** Where to load configuration from. */
export interface LoadConfigOptions {
  /**
   * Config directory, or several separated by `path.delimiter` (`:` on POSIX, as node-config splits
   * `NODE_CONFIG_DIR`); default `NODE_CONFIG_DIR` or `./config`. With several, each layer is read from every
   * directory in order (a later directory's `default.json` overrides an earlier one's) before the next layer.
   */
  readonly dir?: string;
  /** Largest config file read, in bytes (default 1 MiB); a larger one is refused unread with CONFIG_FILE_TOO_LARGE. */
  readonly maxFileBytes?: number;
}

/**
 * The default cap on one config file: 1 MiB, the most a Kubernetes ConfigMap can hold in all
 * (kubernetes.io/docs/concepts/configuration/configmap). Parsing is synchronous, so the cap is also what bounds the
 * time a load holds the event loop.
 */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/**
 * Refuses, before node-config reads it, a file larger than `maxBytes` (CONFIG_FILE_TOO_LARGE) or one that is not a
 * regular file (a FIFO would block the read for ever; CONFIG_LOAD_FAILED). A missing file is left to node-config.
 */
export function checkConfigFile(file: string, maxBytes: number): void {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file);
  } catch {
    return;
  }
  if (!stat.isFile()) {
    throw new ConfigError("CONFIG_LOAD_FAILED", `${file} is not a regular file: replace it with a config file`, {
      file,
    });
  }
  if (stat.size > maxBytes) {
    throw new ConfigError(
      "CONFIG_FILE_TOO_LARGE",
      `${file} is ${stat.size} bytes, above maxFileBytes (${maxBytes}): shrink it or raise maxFileBytes`,
      { file },
    );
  }
}

/** One load's merged data and the sources it came from, lowest precedence first. */
export interface LoadedLayers {
  readonly data: Record<string, unknown>;
  readonly sources: ReadonlyArray<{ readonly name: string; readonly parsed?: unknown }>;
}

/**
 * A `--NAME=value` command-line argument, as node-config's `Env.getCmdLineArg` finds it (the first one after the
 * script, case-sensitive); undefined when absent or empty.
 */
function cmdLineArg(name: string): string | undefined {
  const prefix = `--${name}=`;
  const arg = process.argv.slice(2).find((a) => a.startsWith(prefix));
  return arg?.slice(prefix.length) || undefined;
}

/**
 * The config directory spec node-config would use (`Env.initParam`): the option, else `--NODE_CONFIG_DIR=`, else
 * `$NODE_CONFIG_DIR`, else `./config` — an empty value counting as unset, as node-config's `||` does (a compose file
 * passing an unset variable gives `NODE_CONFIG_DIR=`, which loaded nothing, without a word).
 */
export function configDirSpec(dir: string | undefined): string {
  return dir ?? (cmdLineArg("NODE_CONFIG_DIR") || process.env.NODE_CONFIG_DIR || `${process.cwd()}/config`);
}

/** Splits a directory spec the way node-config 4 does: on `path.delimiter`, dropping empty parts. */
export function splitConfigDirs(spec: string): string[] {
  return spec.split(delimiter).filter(Boolean);
}

/** `$NODE_CONFIG`, then the `--NODE_CONFIG=` argument over it, as node-config's `_init` layers them. */
function nodeConfigOverride(): Array<{ name: string; config: unknown }> {
  const layers: Array<{ name: string; config: unknown }> = [];
  for (const [name, raw] of [
    ["$NODE_CONFIG", process.env.NODE_CONFIG],
    ["--NODE_CONFIG argument", cmdLineArg("NODE_CONFIG")],
  ] as const) {
    if (!raw) continue;
    try {
      layers.push({ name, config: JSON.parse(raw) });
    } catch {
      // No cause: V8's SyntaxError quotes the text it failed on, and NODE_CONFIG often carries credentials.
      const what = name === "$NODE_CONFIG" ? "$NODE_CONFIG" : "The --NODE_CONFIG= argument";
      throw new ConfigError("CONFIG_INVALID_NODE_CONFIG", `${what} is not valid JSON: fix or remove it`);
    }
  }
  return layers;
}

/**
 * A loader's error reduced to its first line, as a plain Error of the same name. YAML parsers append an excerpt
 * of the source after the first line (js-yaml's `snippet`, yaml's caret lines) and keep the whole text on the
 * error (`mark.buffer`): a broken `local.yaml` would put the password on its next line, or the value of an
 * environment variable read with `__format`, into the message, the log line and the cause. The first line keeps
 * the file, the reason and the line:column.
 */
export function withoutSource(error: unknown): Error {
  const message = String((error as Error | null)?.message ?? error).split("\n", 1)[0] ?? "";
  const safe = new Error(message.trimEnd());
  safe.name = typeof (error as Error | null)?.name === "string" ? (error as Error).name : "Error";
  return safe;
}

type Parser = InstanceType<typeof nodeConfig.Load>["parser"];

/**
 * Parses one config file as node-config would, but `.json` with the native `JSON.parse` first: node-config parses
 * `.json` with JSON5 (node-config/node-config#715, to allow comments), measured here at ~1.2 s for a 1 MB file —
 * the event loop held that long on every reload. Only a file that is not strict JSON (comments, trailing commas)
 * falls back to node-config's parser, with the same result as before. A custom parser (`NODE_CONFIG_PARSER`, node-
 * config's documented way to parse `.json` otherwise) that changed `.json` or `parse` gets every file: the fast path
 * is node-config's stock JSON5 result only. `.yaml`/`.yml` under node-config's stock YAML parser apply merge keys
 * whichever YAML package node-config found (yaml-merge-keys.ts).
 */
function parseConfigFile(base: Parser, file: string, content: string) {
  // `jsonParser` is the function node-config registers for .json; `setParser("json", …)` leaves it as it is.
  if (file.endsWith(".json") && base.parse === stockParser.parse && base.getParser("json") === stockParser.jsonParser) {
    try {
      return JSON.parse(content);
    } catch {
      // Not strict JSON: node-config's JSON5 parser accepts more, and names the error when it does not.
    }
  }
  if (/\.ya?ml$/.test(file) && base.parse === stockParser.parse) {
    const parse = parserFor(base, file.endsWith(".yml") ? "yml" : "yaml");
    if (parse) return parse(file, content);
  }
  return base.parse(file, content);
}

/**
 * node-config's parser for `format` (a file's extension, or an environment variable's `__format`); its stock YAML
 * parser with merge keys applied (yaml-merge-keys.ts).
 */
function parserFor(base: Parser, format: string) {
  const stock = base.getParser(format);
  if (stock !== stockParser.yamlParser) return stock;
  return (file: string | null, content: string) =>
    (parseYamlMergingKeys(content) ?? { value: stock(file, content) }).value;
}

/**
 * Runs node-config's own loader over `dirs` (a `path.delimiter`-joined spec). `formats`, when given, limits the
 * file extensions read (LiveConfig reads data formats only). Throws CONFIG_LOAD_FAILED naming the file at fault,
 * CONFIG_FILE_TOO_LARGE for a file above `maxFileBytes`, or CONFIG_ENV_MAPPING for a custom-environment-variables
 * entry that would apply as nothing.
 */
export function loadLayers(
  dirs: string,
  formats?: readonly string[],
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
): LoadedLayers {
  const load = nodeConfig.Load.fromEnvironment();
  load.options.configDir = dirs;
  // Every file node-config reads passes through loadFile: check its size there, before a byte is read.
  const loadFile = load.loadFile.bind(load);
  const limit = expansionLimit(maxFileBytes);
  let reading = "";
  load.loadFile = (file, convert) => {
    checkConfigFile(file, maxFileBytes);
    reading = file;
    // `convert` runs on the parsed file before node-config merges it (addConfig → extendDeep): an alias bomb is
    // refused there, before anything walks it path by path.
    // The values a custom-environment-variables mapping yields (`__format: yaml` parses them) are checked too.
    return loadFile(file, (parsed) => {
      checkExpansion(parsed, file, limit);
      const converted = convert ? convert(parsed) : parsed;
      if (converted !== parsed) checkExpansion(converted, file, limit);
      return converted;
    });
  };
  // A custom-environment-variables mapping node-config would apply as nothing is refused (env-mapping.ts).
  const substituteDeep = load.substituteDeep.bind(load);
  load.substituteDeep = (map, vars) => {
    checkEnvMapping(map, vars, base, reading);
    return substituteDeep(map, vars);
  };
  const base = load.options.parser;
  if (!base) {
    // node-config warns and goes on without a parser when NODE_CONFIG_PARSER does not load (lib/util.js _loadParser).
    throw new ConfigError(
      "CONFIG_LOAD_FAILED",
      "NODE_CONFIG_PARSER names a parser module that did not load (node-config resolves a relative name against NODE_CONFIG_DIR): fix the path or unset it",
    );
  }
  const order = formats ? base.getFilesOrder().filter((ext) => formats.includes(ext)) : base.getFilesOrder();
  // node-config copies the parser at construction; replace both so files and env mappings agree.
  const parser = Object.assign(Object.create(base) as typeof base, {
    getFilesOrder: () => order,
    parse: (file: string, content: string) => parseConfigFile(base, file, content),
    getParser: (format: string) => parserFor(base, format),
  });
  load.options.parser = parser;
  load.parser = parser;
  try {
    withLinearClone(() => load.scan(nodeConfigOverride()));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const cause = withoutSource(error);
    throw new ConfigError("CONFIG_LOAD_FAILED", `Could not load configuration from ${dirs}: ${cause.message}`, {
      cause,
    });
  }
  return { data: copyLoaded(load.config) as Record<string, unknown>, sources: load.getSources() };
}

/**
 * Loads configuration with node-config's layering — default → {NODE_ENV} → {hostname} → local → $NODE_CONFIG →
 * custom-environment-variables — without touching node-config's process-wide singleton, so it can load again.
 */
export function loadConfig(options: LoadConfigOptions = {}): ConfigView {
  const maxFileBytes = checkNumber(
    "maxFileBytes",
    options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    { min: 1, integer: true },
    (message) => new ConfigError("CONFIG_INVALID_OPTION", message),
  );
  const { data, sources } = loadLayers(configDirSpec(options.dir), undefined, maxFileBytes);
  return createConfigView(
    data,
    sources.map((s) => s.name),
  );
}
