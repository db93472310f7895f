import type { Disposable } from "@outrigger/core";
import { sleep } from "./backoff.js";
import { durationOption } from "./errors.js";

/** Settings of the shutdown hook. */
export interface ShutdownHookOptions {
  /** Signals to handle (default SIGTERM, what Kubernetes and systemd send, and SIGINT, Ctrl-C). */
  readonly signals?: readonly NodeJS.Signals[];
  /**
   * Longest wait for deregistration before the process goes on exiting (default 3 s: well inside Kubernetes'
   * 30 s grace period, and a registry that cannot answer in 3 s will expire the lease anyway).
   */
  readonly timeoutMs?: number;
}

/** Anything that can be deregistered on the way out. */
export interface Closeable {
  close(): Promise<void>;
}

/**
 * Opt-in: on SIGTERM/SIGINT, deregisters (bounded by `timeoutMs`) before the process exits, so callers stop
 * picking this instance at once instead of after a lease expiry. When the host has its own listeners for the
 * signal, they run as usual and decide when to exit; otherwise the signal is raised again after deregistering,
 * so the process ends exactly as it would have (exit status 128 + signal). Dispose to remove the hook.
 */
export function deregisterOnShutdown(registrar: Closeable, options: ShutdownHookOptions = {}): Disposable {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  const timeoutMs = durationOption("timeoutMs", options.timeoutMs, 3_000);
  let started = false;
  const remove = (): void => {
    for (const signal of signals) process.removeListener(signal, handler);
  };
  const handler = (signal: NodeJS.Signals): void => {
    if (started) return;
    started = true;
    remove();
    const stop = new AbortController();
    void Promise.race([registrar.close().catch(() => {}), sleep(timeoutMs, stop.signal)]).then(() => {
      stop.abort();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };
  for (const signal of signals) process.on(signal, handler);
  return { dispose: remove };
}
