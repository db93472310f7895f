import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type PolicyUpdate, readPolicyRecord } from "@outrigger/policy";

/** A policy file larger than this is refused unread: 128 routes of a few hundred bytes is far below it. */
const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** Where a service's last applied revision lives: beside its instance snapshot in `dir`. */
export function policyFilePath(dir: string, service: string): string {
  return join(dir, `${service.toUpperCase()}.policy.json`);
}

/** Where a service's instance snapshot lives (discovery's `snapshotFile`). */
export function instancesFilePath(dir: string, service: string): string {
  return join(dir, `${service.toUpperCase()}.instances.json`);
}

/** Temp files made by this process so far: each write has its own, so no two writes ever share one. */
let temps = 0;

/**
 * Writes the applied revision atomically, as Consul's lib/file/atomic.go `WriteAtomic` does: a temp file of its own
 * in the same directory, flushed to disk (fsync) and renamed over the old file, so a crash — of the process or of
 * the machine — leaves the old file or the new one, never part of one. The temp file is removed when a step fails.
 * A missing `dir` is made first (as `WriteAtomic`'s MkdirAll), so a state directory needs no set-up.
 */
export async function writePolicyFile(dir: string, update: PolicyUpdate): Promise<void> {
  const path = policyFilePath(dir, update.service);
  temps += 1;
  const temp = `${path}.${process.pid}-${temps}.tmp`;
  const body = { version: 1, service: update.service, revision: update.revision, policy: update.policy };
  try {
    // The directory is made only when missing: a mkdir before every write cost as much CPU as the write (profile).
    const file = await open(temp, "w", 0o600).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return open(temp, "w", 0o600);
    });
    try {
      await file.writeFile(`${JSON.stringify(body)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * The revision a previous run applied, checked as a watch answer is; undefined when there is none. A file that is
 * too large, not JSON, for another service or refused by the schema is an error, so the caller can say so.
 */
export async function readPolicyFile(dir: string, service: string): Promise<PolicyUpdate | undefined> {
  const path = policyFilePath(dir, service);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (size > MAX_POLICY_FILE_BYTES) throw new Error(`larger than ${MAX_POLICY_FILE_BYTES} bytes`);
  const text = await readFile(path, "utf8");
  const saved = JSON.parse(text) as { service?: unknown; revision?: unknown; policy?: unknown };
  if (String(saved.service).toUpperCase() !== service.toUpperCase()) throw new Error("written for another service");
  // Revision 0 is "no policy" (the registry had none for the service): saved as such, nothing to apply at start.
  if (saved.revision === 0 && saved.policy === null) return undefined;
  const update = readPolicyRecord(saved, service);
  if (update.issues) throw new Error(update.issues.join("; "));
  return update;
}
