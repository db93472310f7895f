import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@outrigger/core";
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

/**
 * Writes the applied revision atomically (core's `writeFileAtomic`, after Consul's lib/file/atomic.go `WriteAtomic`:
 * temp file, fsync, rename — a crash leaves the old file or the new one), mode 0600, making a missing `dir` (0700)
 * first, so a state directory needs no set-up; temp files a killed process left are removed on the first write.
 */
export async function writePolicyFile(dir: string, update: PolicyUpdate): Promise<void> {
  const body = { version: 1, service: update.service, revision: update.revision, policy: update.policy };
  await writeFileAtomic(policyFilePath(dir, update.service), `${JSON.stringify(body)}\n`, { dirMode: 0o700 });
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
