import { lstat, readlink, stat } from "node:fs/promises";
import type { Clock } from "../clock.js";

/**
 * How long a policy file's size and modification time must hold still before it is read: a file being written
 * (an editor saving in place, `cp`, `git checkout`) is read only once the writer is done, so a prefix that happens
 * to parse is never applied. Half a second: a write of at most 1 MiB on a local disk takes milliseconds, and the
 * cost is that long a delay on an edit (chokidar's `awaitWriteFinish` waits 2 s by default, for slow network mounts).
 */
export const DEFAULT_SETTLE_MS = 500;

/** One look at a file: what identifies its content on disk, and whether it was swapped in atomically. */
export interface FileLook {
  /** Inode, size, modification and change times: a write or a `mv` over the file changes it. */
  readonly signature: string;
  /** Wall-clock ms of the last write, as the file system keeps it. */
  readonly mtimeMs: number;
  /**
   * A Kubernetes ConfigMap (or Secret) volume entry: a symlink through `..data`, which kubelet swaps in one rename
   * after writing every file, so what it points at is whole.
   */
  readonly atomic: boolean;
  /** A regular file (a FIFO or device is refused by the read, at once). */
  readonly regular: boolean;
}

/** Looks at `file` (following a symlink); undefined when it is gone. */
export async function lookAt(file: string): Promise<FileLook | undefined> {
  try {
    const link = await lstat(file);
    const atomic = link.isSymbolicLink() && /^\.\.data[\\/]/.test(await readlink(file));
    const info = link.isSymbolicLink() ? await stat(file) : link;
    return {
      signature: `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`,
      mtimeMs: info.mtimeMs,
      atomic,
      regular: info.isFile(),
    };
  } catch {
    return undefined;
  }
}

/**
 * Decides when a file of a policy directory may be read: at once when it was swapped in atomically or was last
 * written a settle window ago (a directory at rest, as at start); else once one signature was seen for a whole
 * settle window, measured with the injected clock. The modification time is compared with the wall clock
 * (`Date.now()`): the file system writes it from that clock, so no other clock can be compared with it.
 */
export class SettleWindow {
  readonly #pending = new Map<string, { readonly signature: string; readonly since: number }>();
  readonly #settleMs: number;
  readonly #clock: Clock;

  constructor(settleMs: number, clock: Clock) {
    this.#settleMs = settleMs;
    this.#clock = clock;
  }

  /** 0 when `file` may be read now; else the ms to wait before looking again. */
  wait(file: string, look: FileLook): number {
    if (look.atomic || !look.regular || Date.now() - look.mtimeMs >= this.#settleMs) {
      this.#pending.delete(file);
      return 0;
    }
    const now = this.#clock.now();
    const seen = this.#pending.get(file);
    if (seen?.signature !== look.signature) {
      this.#pending.set(file, { signature: look.signature, since: now });
      return this.#settleMs;
    }
    const left = seen.since + this.#settleMs - now;
    if (left > 0) return left;
    this.#pending.delete(file);
    return 0;
  }

  /** Forgets the files not in `present`. */
  keepOnly(present: readonly string[]): void {
    for (const file of this.#pending.keys()) if (!present.includes(file)) this.#pending.delete(file);
  }
}
