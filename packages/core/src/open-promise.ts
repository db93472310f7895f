/** What keeps a promise's settle functions: the object a pending call is (a timed call, a queued one, an attempt). */
export interface Settles<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** The holder the executor is filling in; set only for the duration of one `new Promise` (which runs it at once). */
let filling: Settles<never> | undefined;

function fill(resolve: (value: never) => void, reject: (error: unknown) => void): void {
  (filling as Settles<never>).resolve = resolve;
  (filling as Settles<never>).reject = reject;
}

/**
 * A new pending promise whose `resolve` and `reject` are stored on `holder` (what `Promise.withResolvers` does on
 * Node 22, without the extra object). One shared executor, not `new Promise((resolve, reject) => …)`: that made
 * a closure per promise on every policy layer and attempt of a request (and, under a TS runner's `keepNames`, no
 * less). The executor runs synchronously inside the constructor (ECMA-262 §27.2.3.1), so the module-level
 * `filling` never outlives this call.
 */
export function openPromise<T>(holder: Settles<T>): Promise<T> {
  filling = holder as Settles<never>;
  const promise = new Promise<T>(fill);
  filling = undefined;
  return promise;
}
