import { readFile, rename, stat, writeFile } from "node:fs/promises";
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

/** Writes the applied revision atomically (temp file + rename), so a crash leaves the old file or the new one. */
export async function writePolicyFile(dir: string, update: PolicyUpdate): Promise<void> {
  const path = policyFilePath(dir, update.service);
  const temp = `${path}.${process.pid}.tmp`;
  const body = { version: 1, service: update.service, revision: update.revision, policy: update.policy };
  await writeFile(temp, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  await rename(temp, path);
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
  const saved = JSON.parse(text) as { service?: unknown };
  if (String(saved.service).toUpperCase() !== service.toUpperCase()) throw new Error("written for another service");
  const update = readPolicyRecord(saved, service);
  if (update.issues) throw new Error(update.issues.join("; "));
  return update;
}
