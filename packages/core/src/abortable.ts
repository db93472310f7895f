/**
 * `promise`, or a rejection with `signal.reason` as soon as `signal` aborts (at once when it already has) — for a
 * caller leaving a wait shared with others (a first discovery answer, a first policy answer) without ending it for
 * them. The listener is removed when either settles. Without a signal: `promise` itself.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
