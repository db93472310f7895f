import { AsyncLocalStorage } from "node:async_hooks";

/** What a call declares about itself so retries and hedges know whether repeating it is safe. */
export interface CallDescriptor {
  /** HTTP method; GET, HEAD, OPTIONS, TRACE, PUT and DELETE are idempotent (RFC 9110 §9.2.2). */
  readonly method?: string;
  /** Overrides what the method implies (e.g. a POST carrying an idempotency key). */
  readonly idempotent?: boolean;
}

const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);
const store = new AsyncLocalStorage<CallDescriptor>();

/**
 * Runs `fn` with `call` declared for every policy it executes: `withCall({ method: "GET" }, () =>
 * pipeline.execute(attempt))`. Async-context based, so the policy's `execute(fn, signal)` shape stays as is.
 */
export function withCall<T>(call: CallDescriptor, fn: () => T): T {
  return store.run(call, fn);
}

/** The call declared by the nearest `withCall`, if any. */
export function currentCall(): CallDescriptor | undefined {
  return store.getStore();
}

/** True when the current call declared itself idempotent, by flag or by method; undeclared calls are not. */
export function isIdempotentCall(call: CallDescriptor | undefined = currentCall()): boolean {
  if (!call) return false;
  if (call.idempotent !== undefined) return call.idempotent;
  return call.method !== undefined && IDEMPOTENT_METHODS.has(call.method.toUpperCase());
}
