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
  /** Files that gave values (parsed to something), by user-visible name: what a later empty file would take away. */
  readonly withValues: ReadonlySet<string>;
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

/** Comment lines of the data formats LiveConfig reads (YAML, TOML, properties: `#`, `!`, `;`; JSON5, HJSON: `//`). */
const COMMENT = /^(#|!|;|\/\/)/;
/** YAML lines that say nothing: document markers and an explicit null (`---`, `...`, `~`, `null`). */
const YAML_NOTHING = new Set(["", "---", "...", "~", "null"]);

/**
 * True when `file` holds nothing but blank lines, comments, YAML directives (`%YAML 1.2`), document markers and
 * explicit nulls — a trailing ` # comment` after any of them allowed (`--- # local overrides`) — or is gone.
 */
function blankOrComments(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return true;
  }
  return text.split(/\r?\n/).every((line) => {
    const trimmed = line.trim();
    if (COMMENT.test(trimmed) || trimmed.startsWith("%")) return true;
    return YAML_NOTHING.has(trimmed.replace(/\s#.*$/, "").trim());
  });
}

/** Parsed to nothing, or to an empty object or list (TOML and properties parse an empty file to `{}`). */
function givesNothing(parsed: unknown): boolean {
  if (parsed === null || parsed === undefined) return true;
  return typeof parsed === "object" && Object.keys(parsed).length === 0;
}

/**
 * Checks a load. A data file that parses to nothing (empty YAML, comments only) is taken as node-config takes it —
 * a placeholder that adds nothing (a commented-out `local.yaml` is common) — unless it gave values to the config in
 * force (`inForce`): then it looks like a cut write (a writer that truncated the file and has not written it yet)
 * and is refused with CONFIG_EMPTY, so the last good config stays. Clearing a file on purpose is writing `{}`.
 */
function check(
  layers: LoadedLayers,
  dirs: readonly ResolvedDir[],
  maxFileBytes: number,
  inForce: ReadonlySet<string>,
): Candidate {
  const sources = layers.sources.map((s) => ({ name: displayName(s.name, dirs), parsed: s.parsed, path: s.name }));
  const files = sources.filter((s) => s.name !== "$NODE_CONFIG" && !s.name.includes("custom-environment-variables"));
  if (files.length === 0) {
    throw new ConfigError(
      "CONFIG_EMPTY",
      `No config files in ${dirs.map((d) => d.dir).join(delimiter)}: restore them (the last good config stays)`,
    );
  }
  const nothing = (s: { parsed?: unknown }) => s.parsed === null || s.parsed === undefined;
  const unparsed = files.find((s) => nothing(s) && !blankOrComments(s.path));
  if (unparsed) {
    throw new ConfigError(
      "CONFIG_EMPTY",
      `${unparsed.name} has content but parsed to nothing (is its format's parser installed?): install the parser or fix the file`,
      { file: unparsed.name },
    );
  }
  // Judged by the text, whatever the format parses an empty file to (YAML: null; TOML, properties: {}); `{}` written
  // on purpose is not blank.
  const cut = files.find((s) => inForce.has(s.name) && givesNothing(s.parsed) && blankOrComments(s.path));
  if (cut) {
    throw new ConfigError(
      "CONFIG_EMPTY",
      `${cut.name} is empty but gave values to the config in force (a cut write looks so): write its content back, or {} to clear it (the last good config stays)`,
      { file: cut.name },
    );
  }
  const withValues = new Set(files.filter((s) => !givesNothing(s.parsed)).map((s) => s.name));
  return {
    data: layers.data,
    sources: sources.map(({ name, parsed }) => ({ name, parsed })),
    codeFiles: findCodeFiles(dirs, maxFileBytes),
    withValues,
  };
}

/**
 * Loads one consistent version of the directories: resolves each `..data` and fingerprints the files (name, size,
 * mtime, inode), loads from the resolved directories, then resolves and fingerprints again — if a swap or a write
 * happened meanwhile, the result (good or bad) is dropped and the load repeated, so a mix of two versions (or a
 * file caught half-written while its writer was still at it) is never returned. `inForce`: the files that gave
 * values to the config in force (none at the start), which may not turn empty (see `check`).
 */
export function loadCandidate(
  dirs: readonly string[],
  loader: Loader = loadLayers,
  maxFileBytes: number = DEFAULT_MAX_FILE_BYTES,
  inForce: ReadonlySet<string> = new Set(),
): CandidateResult {
  for (let attempt = 0; attempt < MAX_LOAD_ATTEMPTS; attempt++) {
    const before = dirs.map(resolveMountedDir);
    const fingerprint = fingerprintDirs(before);
    let result: CandidateResult;
    try {
      const layers = loader(before.map((d) => d.resolved).join(delimiter), DATA_FORMATS, maxFileBytes);
      result = { fingerprint, ok: true, candidate: check(layers, before, maxFileBytes, inForce) };
    } catch (error) {
      result = { fingerprint, ok: false, error: toConfigError(error, before) };
    }
    // A swap of `..data`, or a file written while it was read (a writer still streaming it, past `maxWaitMs`):
    // either way the load may mix two versions, so it is dropped and repeated.
    if (sameResolution(before, dirs.map(resolveMountedDir)) && fingerprintDirs(before) === fingerprint) return result;
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
