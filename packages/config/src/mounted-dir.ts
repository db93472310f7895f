import { lstatSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";

/** The symlink kubelet points at the current timestamped directory of a ConfigMap/Secret volume. */
export const DATA_LINK = "..data";

/** A config directory and the directory its files really live in now. */
export interface ResolvedDir {
  /** The directory as configured (what users and error messages see). */
  readonly dir: string;
  /** `dir/..data`'s target for a Kubernetes-style mount, else `dir` itself. */
  readonly resolved: string;
}

/**
 * Resolves a Kubernetes-style mount to the timestamped directory `..data` points at, so a load reads one
 * version's files even while kubelet swaps in the next; a plain directory resolves to itself.
 */
export function resolveMountedDir(dir: string): ResolvedDir {
  try {
    if (lstatSync(join(dir, DATA_LINK)).isSymbolicLink()) return { dir, resolved: realpathSync(join(dir, DATA_LINK)) };
  } catch {
    // No `..data` (a plain directory), or it vanished mid-swap: read the directory as it is.
  }
  return { dir, resolved: dir };
}

/** True when two resolutions point at the same directories. */
export function sameResolution(a: readonly ResolvedDir[], b: readonly ResolvedDir[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry.resolved === b[i]?.resolved);
}

/**
 * A cheap summary of what the directories hold now (targets, names, sizes, mtimes, inodes): polling compares it to
 * the one taken at the last load, so an unchanged directory costs a few stat calls, not a parse.
 */
export function fingerprintDirs(dirs: readonly ResolvedDir[]): string {
  const parts: string[] = [];
  for (const { resolved } of dirs) {
    parts.push(resolved);
    let names: string[];
    try {
      names = readdirSync(resolved).sort();
    } catch {
      parts.push("<missing>");
      continue;
    }
    for (const name of names) {
      try {
        const stat = statSync(join(resolved, name));
        parts.push(`${name}:${stat.size}:${stat.mtimeMs}:${stat.ino}`);
      } catch {
        parts.push(`${name}:<gone>`);
      }
    }
  }
  return parts.join("\n");
}
