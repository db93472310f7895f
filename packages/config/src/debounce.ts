/** A trailing-edge debouncer with a maximum wait: `trigger()` restarts the wait; `fn` runs once calls stop. */
export interface Debouncer {
  trigger(): void;
  cancel(): void;
}

/**
 * Debounces `fn` on the trailing edge: it runs `waitMs` after the last `trigger()`, and at the latest `maxWaitMs`
 * after the first trigger of a burst (lodash's `maxWait`), so a file rewritten more often than `waitMs` still
 * reloads. Timers are unref'd so they never hold the process open.
 */
export function createDebouncer(waitMs: number, fn: () => void, maxWaitMs = Number.POSITIVE_INFINITY): Debouncer {
  let quiet: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const cancel = () => {
    clearTimeout(quiet);
    clearTimeout(deadline);
    quiet = undefined;
    deadline = undefined;
  };
  const run = () => {
    cancel();
    fn();
  };
  return {
    trigger() {
      clearTimeout(quiet);
      quiet = setTimeout(run, waitMs);
      quiet.unref();
      if (deadline === undefined && Number.isFinite(maxWaitMs)) {
        deadline = setTimeout(run, Math.max(maxWaitMs, waitMs));
        deadline.unref();
      }
    },
    cancel,
  };
}
