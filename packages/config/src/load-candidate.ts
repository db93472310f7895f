import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { delimiter, extname, join, sep } from "node:path";
import { ConfigError, isConfigError } from "./errors.js";
import { DEFAULT_MAX_FILE_BYTES, type LoadedLayers, loadLayers, withoutSource } from "./load-config.js";
import { fingerprintDirs, type ResolvedDir, resolveMountedDir, sameResolution } from "./mounted-dir.js";

/** Formats LiveConfig reloads: data, parsed afresh on every load. */
export const DATA_FORMATS: readonly string[] = [
  "json",
  "jsonc",
  "json5",
  "hjson",
  "toml",
  "yaml",
  "yml",
  "cson",
  "properties",
  "xml",
];

/** Formats Node's module loader caches, so they cannot reload: reported, never read by LiveConfig. */
export const CODE_FORMATS: readonly string[] = ["js", "cjs", "mjs", "ts", "coffee", "iced"];

/**
 * Loads layers from a `path.delimiter`-joined directory spec, reading only `formats` and refusing files above
 * `maxFileBytes` (node-config's loader by default).
 */
export type Loader = (dirs: string, formats: readonly string[], maxFileBytes: number) => LoadedLayers;

/** A loaded, not yet validated configuration: what a reload would apply. */
export interface Candidate {
  readonly data: Record<string, unknown>;
  /** Sources by their user-visible names (the mount, not the timestamped directory), lowest precedence first. */
  readonly sources: ReadonlyArray<{ readonly name: string; readonly parsed?: unknown }>;
  /** Code-format files found in the directories, by user-visible name, with a hash of their content. */
  readonly codeFiles: ReadonlyMap<string, string>;
}

/** The outcome of one load, with the directory fingerprint it was taken against. */
export type CandidateResult = { readonly fingerprint: string } & (
  | { readonly ok: true; readonly candidate: Candidate }
  | { readonly ok: false; readonly error: ConfigError }
);

/** How often a load is retried when `..data` moved while it ran, before giving up until the next event. */
const MAX_LOAD_ATTEMPTS = 5;

function displayName(name: string, dirs: readonly ResolvedDir[]): string {
  for (const { dir, resolved } of dirs) {
    if (resolved !== dir && name.startsWith(resolved + sep)) return join(dir, name.slice(resolved.length + 1));
  }
  return name;
}

function displayText(text: string, dirs: readonly ResolvedDir[]): string {
  return dirs.reduce((out, { dir, resolved }) => (resolved === dir ? out : out.replaceAll(resolved, dir)), text);
}

function findCodeFiles(dirs: readonly ResolvedDir[], maxFileBytes: number): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(entry.resolved);
    } catch {
      // A missing directory holds no code files; the load reports it as empty.
    }
    for (const name of names.filter((n) => CODE_FORMATS.includes(extname(n).slice(1)))) {
      const file = join(entry.resolved, name);
      // Hashed to notice a change; a special or oversized file is summarised by its stat instead of read.
      let hash: string;
      try {
        const stat = statSync(file);
        hash =
          stat.isFile() && stat.size <= maxFileBytes
            ? createHash("sha1").update(readFileSync(file)).digest("hex")
            : `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
      } catch {
        continue; // gone meanwhile
      }
      found.set(displayName(file, dirs), hash);
    }
  }
  return found;
}

function toConfigError(error: unknown, dirs: readonly ResolvedDir[]): ConfigError {
  // The first line only, as loadLayers does: a custom loader's parser may append an excerpt of the file.
  const safe = withoutSource(error);
  const message = displayText(safe.message, dirs);
  const resolvedFile = /Cannot parse config file: '([^']+)'/.exec(safe.message)?.[1];
  if (resolvedFile === undefined) {
    if (!isConfigError(error)) return new ConfigError("CONFIG_LOAD_FAILED", message, { cause: safe });
    // Our own checks name the timestamped directory they read; show the mount's name, as everywhere else.
    return error.file === undefined
      ? error
      : new ConfigError(error.code, message, {
          cause: error.cause,
          file: displayName(error.file, dirs),
          ...(error.path !== undefined ? { path: error.path } : {}),
        });
  }
  const file = displayName(resolvedFile, dirs);
  let empty = false;
  try {
    empty = readFileSync(resolvedFile, "utf8").trim() === "";
  } catch {
    // Gone already: report the parse error as it was.
  }
  return empty
    ? new ConfigError("CONFIG_EMPTY", `${file} is empty: write its content back (the last good config stays)`, {
        cause: error,
        file,
      })
    : new ConfigError("CONFIG_LOAD_FAILED", `${message}: fix the file (the last good config stays)`, {
        cause: isConfigError(error) ? error : safe,
        file,
      });
}

function check(layers: LoadedLayers, dirs: readonly ResolvedDir[], maxFileBytes: number): Candidate {
  const sources = layers.sources.map((s) => ({ name: displayName(s.name, dirs), parsed: s.parsed }));
  const files = sources.filter((s) => s.name !== "$NODE_CONFIG" && !s.name.includes("custom-environment-variables"));
  if (files.length === 0) {
    throw new ConfigError(
      "CONFIG_EMPTY",
      `No config files in ${dirs.map((d) => d.dir).join(delimiter)}: restore them (the last good config stays)`,
    );
  }
  const empty = files.find((s) => s.parsed === null || s.parsed === undefined);
  if (empty) {
    throw new ConfigError(
      "CONFIG_EMPTY",
      `${empty.name} parsed to nothing (empty, or its format's parser is not installed): fix it or install the parser`,
      { file: empty.name },
    );
  }
  return { data: layers.data, sources, codeFiles: findCodeFiles(dirs, maxFileBytes) };
}

/**
 * Loads one consistent version of the directories: resolves each `..data`, loads from the resolved directories,
 * then resolves again — if a swap happened meanwhile, the result (good or bad) is dropped and the load repeated,
 * so a mix of two versions is never returned.
 */
export function loadCandidate(
  dirs: readonly string[],
  loader: Loader = loadLayers,
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
): CandidateResult {
  for (let attempt = 0; attempt < MAX_LOAD_ATTEMPTS; attempt++) {
    const before = dirs.map(resolveMountedDir);
    const fingerprint = fingerprintDirs(before);
    let result: CandidateResult;
    try {
      const layers = loader(before.map((d) => d.resolved).join(delimiter), DATA_FORMATS, maxFileBytes);
      result = { fingerprint, ok: true, candidate: check(layers, before, maxFileBytes) };
    } catch (error) {
      result = { fingerprint, ok: false, error: toConfigError(error, before) };
    }
    if (sameResolution(before, dirs.map(resolveMountedDir))) return result;
  }
  return {
    fingerprint: "",
    ok: false,
    error: new ConfigError(
      "CONFIG_LOAD_FAILED",
      `${dirs.join(delimiter)} changed during ${MAX_LOAD_ATTEMPTS} loads in a row: the next change event retries`,
    ),
  };
}
