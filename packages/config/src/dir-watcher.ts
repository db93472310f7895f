import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";

/**
 * Creates a directory watcher; `fs.watch` by default, replaceable so tests can inject failures. `onEvent` takes the
 * name fs.watch reports, when there is one.
 */
export type WatchFactory = (dir: string, onEvent: (filename?: string | null) => void) => FSWatcher;

/** What a DirWatcher reports to its owner. */
export interface DirWatcherHandlers {
  /** Something in a watched directory changed (raw, not debounced). */
  onEvent(): void;
  /** A watcher could not start or failed; it is re-armed after `rearmMs`. */
  onError(dir: string, error: unknown): void;
}

/** Watches directories — never the files, whose inodes kubelet replaces — and re-arms a watcher that fails. */
export interface DirWatcher {
  close(): void;
}

const defaultFactory: WatchFactory = (dir, onEvent) =>
  watch(dir, { persistent: false }, (_type, filename) => onEvent(filename));

/**
 * The identity of a directory on disk, or undefined when it does not exist. The inode alone is not enough: ext4
 * hands a recreated directory the inode just freed, so its birth time is part of it.
 */
function identity(dir: string): string | undefined {
  try {
    const stat = statSync(dir);
    return stat.isDirectory() ? `${stat.dev}:${stat.ino}:${stat.birthtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts one watcher per directory. A failing one is reported, closed and started again after `rearmMs`. A
 * directory deleted (and maybe recreated) is noticed on its watcher's next event: inotify watches an inode, so the
 * old watcher would stay silent for ever (chokidar#917, fssm#6). The parent directory is then watched until the
 * directory is back, and the directory watched again at once — no poll needed.
 */
export function watchDirs(
  dirs: readonly string[],
  handlers: DirWatcherHandlers,
  rearmMs: number,
  factory: WatchFactory = defaultFactory,
): DirWatcher {
  const watchers = new Map<string, FSWatcher>();
  const parents = new Map<string, FSWatcher>();
  const armedAs = new Map<string, string | undefined>();
  const timers = new Set<NodeJS.Timeout>();
  const armedBefore = new Set<string>();
  let closed = false;

  const later = (fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, rearmMs);
    timer.unref();
    timers.add(timer);
  };

  const stop = (dir: string) => {
    watchers.get(dir)?.close();
    watchers.delete(dir);
    parents.get(dir)?.close();
    parents.delete(dir);
  };

  /** The directory is gone: watch its parent for its return (and keep a timer, in case the parent goes too). */
  const awaitReturn = (dir: string) => {
    stop(dir);
    try {
      const parent = factory(dirname(dir), () => {
        if (identity(dir) !== undefined) arm(dir);
      });
      parent.on("error", () => parent.close());
      parents.set(dir, parent);
    } catch {
      // No parent to watch: the timer below and the fallback poll cover it.
    }
    later(() => {
      if (!watchers.has(dir)) {
        if (identity(dir) !== undefined) arm(dir);
        else awaitReturn(dir);
      }
    });
  };

  const onDirEvent = (dir: string, filename: string | null | undefined) => {
    handlers.onEvent();
    // inotify reports the watched directory's own deletion or move as an event named after it (IN_DELETE_SELF,
    // IN_MOVE_SELF); a changed identity catches a swap whose events came late. Re-arming a live watcher is harmless.
    const now = identity(dir);
    if (filename === basename(dir) || now !== armedAs.get(dir)) {
      if (now === undefined) awaitReturn(dir);
      else arm(dir);
    }
  };

  function arm(dir: string): void {
    if (closed) return;
    stop(dir);
    try {
      const watcher = factory(dir, (filename) => onDirEvent(dir, filename));
      watcher.on("error", (error) => {
        stop(dir);
        handlers.onError(dir, error);
        // Changes made while no watcher ran are caught by the load that follows re-arming.
        later(() => arm(dir));
      });
      watchers.set(dir, watcher);
      armedAs.set(dir, identity(dir));
      // Re-armed after a failure or a recreation: what changed in between must not be missed.
      if (armedBefore.has(dir)) handlers.onEvent();
      armedBefore.add(dir);
    } catch (error) {
      handlers.onError(dir, error);
      later(() => arm(dir));
    }
  }

  for (const dir of dirs) arm(dir);
  return {
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const dir of [...watchers.keys(), ...parents.keys()]) stop(dir);
    },
  };
}
