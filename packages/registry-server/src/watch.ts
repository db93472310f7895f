import type { Registry } from "./registry.js";

/** Longest a watch may be held; longer requests are capped (Consul caps blocking queries at 10 minutes). */
export const MAX_WATCH_WAIT_MS = 300_000;
/** Hold time when a watch names none. */
export const DEFAULT_WATCH_WAIT_MS = 30_000;

/** Reads a wait such as `30s`, `1500ms`, `2m` or plain seconds; undefined when it is not one. */
export function parseWait(text: string | undefined): number | undefined {
  if (text === undefined || text === "") return DEFAULT_WATCH_WAIT_MS;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) return undefined;
  const n = Number(match[1]);
  const ms = match[2] === "ms" ? n : match[2] === "m" ? n * 60_000 : n * 1000;
  return Math.min(ms, MAX_WATCH_WAIT_MS);
}

/**
 * Resolves once `app` changes past `index`, or when `waitMs` ends, or when `signal` aborts (the client left).
 * A client index ahead of the registry's (the registry restarted) resolves at once, so the client resets.
 */
export function waitForAppChange(
  registry: Registry,
  app: string,
  index: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<void> {
  const current = registry.appIndex(app);
  if (current !== index || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const name = app.toUpperCase();
    const finish = (): void => {
      clearTimeout(timer);
      stop();
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const stop = registry.onChange((change) => {
      if (change.lease.info.app === name) finish();
    });
    const timer = setTimeout(finish, waitMs);
    signal.addEventListener("abort", finish, { once: true });
  });
}
