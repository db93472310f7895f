import { stat } from "node:fs/promises";
import { readBoundedFileSync, writeFileAtomic } from "@outrigger/core";
import { DiscoveryError } from "./errors.js";
import type { InstanceStatus, ServiceInstance } from "./service-instance.js";

/**
 * The default cap on a snapshot file's size: 16 MiB, about 50 000 instances at ~300 bytes each — far above any one
 * service's fleet, and small enough that reading it at start never stalls the process noticeably.
 */
export const DEFAULT_MAX_SNAPSHOT_BYTES = 16 * 1024 * 1024;

/** How a snapshot file looks on disk: a version, so a future format can refuse an old one cleanly. */
interface SnapshotFileContent {
  readonly version: 1;
  readonly savedAt: string;
  readonly instances: readonly ServiceInstance[];
}

/** What a snapshot file held: the valid entries, and how many entries it had in all. */
export interface SnapshotRead {
  readonly instances: readonly ServiceInstance[];
  readonly total: number;
}

const STATUSES: ReadonlySet<string> = new Set<InstanceStatus>(["UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN"]);

const failed = (message: string, cause?: unknown) =>
  new DiscoveryError("DISCOVERY_SNAPSHOT_FAILED", message, cause === undefined ? undefined : { cause });

const notRegular = (path: string) =>
  failed(
    `Snapshot file ${path} is not a regular file (a directory, FIFO, socket or device): point snapshotFile at a file`,
  );

/** True for an entry a balancer can send to: an id, a service, a host, a port in 1–65535, a known status. */
function isValidEntry(entry: unknown): entry is ServiceInstance {
  if (typeof entry !== "object" || entry === null) return false;
  const e = entry as Record<string, unknown>;
  return (
    typeof e.id === "string" &&
    e.id !== "" &&
    typeof e.service === "string" &&
    typeof e.host === "string" &&
    e.host.trim() !== "" &&
    typeof e.port === "number" &&
    Number.isInteger(e.port) &&
    e.port >= 1 &&
    e.port <= 65_535 &&
    typeof e.secure === "boolean" &&
    typeof e.status === "string" &&
    STATUSES.has(e.status) &&
    typeof e.metadata === "object" &&
    e.metadata !== null
  );
}

/**
 * Reads a snapshot file without ever blocking: opened non-blocking (a FIFO would otherwise hang until a writer
 * comes), checked to be a regular file no larger than `maxBytes` before a byte is read. Returns undefined when there
 * is no file yet; throws DISCOVERY_SNAPSHOT_FAILED when it cannot be used. Invalid entries are left out of
 * `instances` (compare with `total`).
 */
export function readSnapshotFile(path: string, maxBytes: number): SnapshotRead | undefined {
  let text: string;
  try {
    text = readBoundedFileSync(path, maxBytes).toString("utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined; // first start: nothing saved yet
    if (code === "EFTYPE") throw notRegular(path);
    if (code === "EFBIG")
      throw failed(`Snapshot file ${path} is larger than maxSnapshotBytes (${maxBytes}): delete it`);
    throw failed(`Cannot read snapshot file ${path}: check its permissions`, cause);
  }
  let parsed: Partial<SnapshotFileContent>;
  try {
    parsed = JSON.parse(text) as Partial<SnapshotFileContent>;
  } catch (cause) {
    throw failed(`Snapshot file ${path} is not JSON: delete it`, cause);
  }
  if (parsed?.version !== 1 || !Array.isArray(parsed.instances)) {
    throw failed(`Snapshot file ${path} has an unknown format: delete it`);
  }
  const entries: readonly unknown[] = parsed.instances;
  return { instances: entries.filter(isValidEntry), total: entries.length };
}

/**
 * Writes `instances` to `path` atomically (core's `writeFileAtomic`: temp file + rename, mode 0600; not fsynced — a
 * snapshot is a cache, rewritten on every change). The temp file is removed when a step fails, so a bad path never
 * leaves one file behind per change, and temp files a killed process left are removed on the first write; a path
 * that is not a regular file is refused before writing.
 */
export async function writeSnapshotFile(path: string, instances: readonly ServiceInstance[]): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) throw notRegular(path);
  const file: SnapshotFileContent = { version: 1, savedAt: new Date().toISOString(), instances };
  try {
    // Atomic on POSIX: readers see the old file or the new one, never half of one.
    await writeFileAtomic(path, JSON.stringify(file), { sync: false });
  } catch (cause) {
    throw failed(`Cannot write snapshot file ${path}: check the directory`, cause);
  }
}
