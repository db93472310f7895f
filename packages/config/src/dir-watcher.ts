import { type FSWatcher, watch } from "node:fs";

/** Creates a directory watcher; `fs.watch` by default, replaceable so tests can inject failures. */
export type WatchFactory = (dir: string, onEvent: () => void) => FSWatcher;

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

const defaultFactory: WatchFactory = (dir, onEvent) => watch(dir, { persistent: false }, () => onEvent());

/** Starts one watcher per directory; a failing one is reported, closed and started again after `rearmMs`. */
export function watchDirs(
  dirs: readonly string[],
  handlers: DirWatcherHandlers,
  rearmMs: number,
  factory: WatchFactory = defaultFactory,
): DirWatcher {
  const watchers = new Map<string, FSWatcher>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const rearmLater = (dir: string) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      arm(dir);
    }, rearmMs);
    timer.unref();
    timers.add(timer);
  };

  const arm = (dir: string) => {
    if (closed) return;
    try {
      const watcher = factory(dir, () => handlers.onEvent());
      watcher.on("error", (error) => {
        watcher.close();
        watchers.delete(dir);
        handlers.onError(dir, error);
        // Changes made while no watcher ran are caught by the load that follows re-arming.
        rearmLater(dir);
      });
      watchers.set(dir, watcher);
      // Re-armed after a failure: what changed in between must not be missed.
      if (armedBefore.has(dir)) handlers.onEvent();
      armedBefore.add(dir);
    } catch (error) {
      handlers.onError(dir, error);
      rearmLater(dir);
    }
  };
  const armedBefore = new Set<string>();

  for (const dir of dirs) arm(dir);
  return {
    close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
