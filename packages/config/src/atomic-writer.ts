import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { DATA_LINK } from "./mounted-dir.js";

/** The temporary link kubelet renames over `..data` (rename of a symlink is atomic). */
const DATA_TMP_LINK = "..data_tmp";

function timestampPrefix(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `..${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}.`;
}

function currentTarget(targetDir: string): string | undefined {
  try {
    return readlinkSync(join(targetDir, DATA_LINK));
  } catch {
    return undefined;
  }
}

/**
 * Test double for kubelet: writes `files` (key → content) into `targetDir` exactly as Kubernetes' AtomicWriter
 * updates a ConfigMap volume — a new `..<timestamp>.<random>` directory, `..data_tmp` → it, rename over `..data`,
 * then links for added keys, removal of links for dropped keys, and deletion of the old directory.
 * Returns false when nothing would change (kubelet skips such writes too).
 */
export function writeAtomically(targetDir: string, files: Readonly<Record<string, string>>): boolean {
  const oldTs = currentTarget(targetDir);
  const keys = Object.keys(files);
  const stale = oldTs ? readdirSync(join(targetDir, oldTs)).filter((name) => !keys.includes(name)) : [];
  if (oldTs && stale.length === 0 && keys.every((key) => sameContent(join(targetDir, oldTs, key), files[key]))) {
    return false;
  }
  const tsDir = mkdtempSync(join(targetDir, timestampPrefix(new Date())));
  chmodSync(tsDir, 0o755);
  for (const key of keys) writeFileSync(join(tsDir, key), files[key] ?? "");
  symlinkSync(basename(tsDir), join(targetDir, DATA_TMP_LINK));
  renameSync(join(targetDir, DATA_TMP_LINK), join(targetDir, DATA_LINK));
  for (const key of keys) {
    if (!exists(join(targetDir, key))) symlinkSync(join(DATA_LINK, key), join(targetDir, key));
  }
  for (const key of stale) unlinkSync(join(targetDir, key));
  if (oldTs) rmSync(join(targetDir, oldTs), { recursive: true, force: true });
  return true;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function sameContent(path: string, content: string | undefined): boolean {
  try {
    return readFileSync(path, "utf8") === content;
  } catch {
    return false;
  }
}
