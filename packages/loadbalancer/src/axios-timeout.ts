// axios' own `timeout` for an `lb://` request on either transport: one timer for the whole call, as axios-retry
// keeps it by default (its remaining time shrinks across retries; a timeout is not retried). The per-try timeout is
// `perTryTimeoutMs`.
import { followAbort, setIoTimeout } from "@outrigger/core";
import { AxiosError, type InternalAxiosRequestConfig } from "axios";

/**
 * The error of a request past its `timeout`, as axios' http adapter makes it: `timeoutErrorMessage` when set, and
 * ETIMEDOUT instead of ECONNABORTED with `transitional.clarifyTimeoutError` (axios/axios#1543).
 */
function timeoutError(config: InternalAxiosRequestConfig): AxiosError {
  const message = config.timeoutErrorMessage || `timeout of ${config.timeout}ms exceeded`;
  const code = config.transitional?.clarifyTimeoutError ? AxiosError.ETIMEDOUT : AxiosError.ECONNABORTED;
  return new AxiosError(message, code, config);
}

/** A request's signal with its `timeout` folded in (`requestSignal`). */
export interface TimeoutSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * The caller's signal and `timeout` (ms, 0: none) as one signal; `dispose` clears the timer and listener. Undefined
 * when the request has neither: no AbortController per request on the common path. The timeout acts after the I/O
 * of the turn its timer runs in (core's `setIoTimeout`), as the lb dispatcher's own timeouts do: an answer that
 * arrived while the event loop was stalled is delivered, not timed out.
 */
export function requestSignal(config: InternalAxiosRequestConfig): TimeoutSignal | undefined {
  const caller = config.signal as AbortSignal | undefined;
  const timeout = config.timeout ?? 0;
  if (!caller && timeout <= 0) return undefined;
  const controller = new AbortController();
  const unfollow = caller ? followAbort(caller, () => controller.abort(caller.reason)) : undefined;
  if (caller?.aborted) controller.abort(caller.reason);
  const timer = timeout > 0 ? setIoTimeout(() => controller.abort(timeoutError(config)), timeout) : undefined;
  return {
    signal: controller.signal,
    dispose: () => {
      timer?.dispose();
      unfollow?.();
    },
  };
}
