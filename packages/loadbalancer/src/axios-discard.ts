/**
 * Lets go of the body of an answer a retry replaced, which nobody will read: with `responseType: "stream"` the
 * failed attempt's response carries its body unread, and an unread body holds its connection — paused, with no
 * timer running on it (nodejs/undici#5393) — for as long as the server keeps it open. linkerd/linkerd#1256:
 * retried answers' unread chunked bodies leaked a connection each. `failure`: the attempt's error (axios'
 * `AxiosError` with `response`, or this package's held retryable answer); anything else is left alone. A Node
 * stream (axios' http adapter: the `IncomingMessage`) is destroyed, which closes its socket — draining could take
 * as long as the body is; a web stream is cancelled. Bodies already read (every other `responseType`) are strings
 * or bytes: nothing to do.
 */
export function discardResponseBody(failure: unknown): void {
  const data = (failure as { response?: { data?: unknown } } | null | undefined)?.response?.data;
  if (typeof data !== "object" || data === null) return;
  const stream = data as { destroy?: () => void; cancel?: () => Promise<void>; destroyed?: boolean };
  if (typeof stream.destroy === "function") {
    if (stream.destroyed !== true) stream.destroy();
  } else if (typeof stream.cancel === "function") stream.cancel().catch(() => undefined);
}
