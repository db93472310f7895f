/** A trailing-edge debouncer: `trigger()` restarts the wait; `fn` runs once the calls stop for `waitMs`. */
export interface Debouncer {
  trigger(): void;
  cancel(): void;
}

/** Debounces `fn` on the trailing edge; its timer is unref'd so it never holds the process open. */
export function createDebouncer(waitMs: number, fn: () => void): Debouncer {
  let timer: NodeJS.Timeout | undefined;
  return {
    trigger() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        fn();
      }, waitMs);
      timer.unref();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
