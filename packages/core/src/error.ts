const brand = Symbol.for("outrigger.error");

/** Options of an Outrigger error: the cause, and for rejections that know when capacity returns, a wait. */
export interface OutriggerErrorOptions extends ErrorOptions {
  /** Wait this long (ms) before trying again (rate limits, `Retry-After`). */
  readonly retryAfterMs?: number;
}

/**
 * The base of every Outrigger error: a stable `code` (prefixed per package, `LB_…`, `RESILIENCE_…`; listed in
 * ERRORS.md) and a brand that survives two copies of a package in one process (undici's and cockatiel's habit).
 * Packages subclass it once (`class LbError extends OutriggerError<LbErrorCode>`) and export `errorGuard`'s check.
 */
export class OutriggerError<C extends string = string> extends Error {
  readonly [brand] = true;
  /** Wait this long (ms) before trying again, when the error knows. */
  readonly retryAfterMs?: number;

  constructor(
    readonly code: C,
    message: string,
    options?: OutriggerErrorOptions,
  ) {
    super(message, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** True for any Outrigger error, from any package and any copy of it; `prefix` narrows to codes that start with it. */
export function isOutriggerError(error: unknown, prefix?: string): error is OutriggerError {
  if (typeof error !== "object" || error === null || (error as Record<symbol, unknown>)[brand] !== true) return false;
  return prefix === undefined || String((error as OutriggerError).code).startsWith(prefix);
}

/**
 * A type guard for one subclass, matched by its `name` (not `instanceof`, which fails across two copies of a
 * package): `export const isLbError = errorGuard<LbError>("LbError")`.
 */
export function errorGuard<E extends OutriggerError>(name: string): (error: unknown) => error is E {
  return (error: unknown): error is E => isOutriggerError(error) && (error as Error).name === name;
}
