import { mkdir, open, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of `writeFileAtomic`. */
export interface AtomicWriteOptions {
  /** The file's mode when it is made (default 0o600: state files may hold policy or instance addresses). */
  readonly mode?: number;
  /** fsync the temp file before the rename, so a machine crash leaves the old file or the new one (default true). */
  readonly sync?: boolean;
  /** Make a missing directory first, with this mode (Consul's `WriteAtomic` MkdirAll); default: do not. */
  readonly dirMode?: number;
}

/** Temp files made by this process so far: each write has its own, so no two writes ever share one. */
let temps = 0;

/** Paths whose directory was swept of dead processes' temp files by this process (once each; bounded). */
const swept = new Set<string>();
const MAX_SWEPT = 4_096;

/**
 * A temp file of `name` left by another process: `NAME.PID-N.tmp` (this module's) or `NAME.PID.N.tmp` (discovery's
 * snapshot writer before 2026-11-30); the PID, or undefined for any other name.
 */
function tempOwner(entry: string, name: string): number | undefined {
  if (!entry.startsWith(`${name}.`) || !entry.endsWith(".tmp")) return undefined;
  const match = /^(\d+)[-.]\d+$/.exec(entry.slice(name.length + 1, -".tmp".length));
  return match ? Number(match[1]) : undefined;
}

/** Whether a process with this id runs (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temp files of `path` that processes no longer running left behind (a kill -9 between a write's open
 * and its rename): without it each crash leaves one more, for ever. A live process's temp file is kept (it may be
 * writing now); a recycled PID only keeps an orphan longer. Best effort: a failure to list or unlink is ignored.
 */
export async function sweepTempFiles(path: string): Promise<void> {
  const dir = dirname(path);
  const name = basename(path);
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (entry) => {
      const pid = tempOwner(entry, name);
      if (pid === undefined || pid === process.pid || alive(pid)) return;
      await unlink(join(dir, entry)).catch(() => {});
    }),
  );
}

/**
 * Writes `data` to `path` atomically, as Consul's lib/file/atomic.go `WriteAtomic` does: a temp file of its own in
 * the same directory (`PATH.PID-N.tmp`), flushed to disk (fsync, unless `sync: false`) and renamed over the old
 * file, so a crash — of the process or of the machine — leaves the old file or the new one, never part of one. The
 * temp file is removed when a step fails; the first write of a path in a process first removes temp files of it
 * that dead processes left (`sweepTempFiles`). Errors are the `fs` error of the step that failed.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  if (!swept.has(path)) {
    if (swept.size >= MAX_SWEPT) swept.clear();
    swept.add(path);
    await sweepTempFiles(path);
  }
  temps += 1;
  const temp = `${path}.${process.pid}-${temps}.tmp`;
  const mode = options.mode ?? 0o600;
  try {
    // The directory is made only when missing: a mkdir before every write cost as much CPU as the write (profile).
    const file = await open(temp, "w", mode).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT" || options.dirMode === undefined) throw error;
      await mkdir(dirname(path), { recursive: true, mode: options.dirMode });
      return open(temp, "w", mode);
    });
    try {
      await file.writeFile(data);
      if (options.sync !== false) await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}
