/**
 * Frees what an answer nobody will read holds: a hedge's loser that answered after the winner, an attempt that
 * answered after its timeout. Polly's hedging disposes every outcome it did not accept (`TaskExecution.ResetAsync`,
 * `DisposeHelper.TryDisposeSafeAsync`); the JavaScript form of "disposable" is explicit resource management:
 *
 * - a value with `Symbol.asyncDispose` or `Symbol.dispose` is disposed;
 * - otherwise an HTTP response whose body is still a stream has that stream closed: `body` (undici's `request`,
 *   a fetch `Response`) or `data` (axios with `responseType: "stream"`), when it is a Node stream (which has
 *   `Symbol.asyncDispose` since Node 20.4: destroyed) or a web `ReadableStream` (cancelled). A body already read
 *   (a string, a Buffer, parsed JSON) holds nothing and is left alone.
 *
 * Without this, an unread streamed body keeps its connection busy until the server ends it (undici: "the body must
 * be consumed or destroyed"; a keep-alive pool then opens new sockets instead). Errors from disposing are swallowed:
 * the caller already has its answer, and a failed cleanup of a discarded one must not become an unhandled rejection.
 */
export function disposeResult(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  if (dispose(value)) return;
  const response = value as { body?: unknown; data?: unknown };
  if (!closeStream(response.body)) closeStream(response.data);
}

function dispose(value: object): boolean {
  const asyncDispose = (value as { [Symbol.asyncDispose]?: unknown })[Symbol.asyncDispose];
  const syncDispose = (value as { [Symbol.dispose]?: unknown })[Symbol.dispose];
  const method = typeof asyncDispose === "function" ? asyncDispose : syncDispose;
  if (typeof method !== "function") return false;
  try {
    settleQuietly(method.call(value));
  } catch {
    // A throwing dispose is the value's own fault; the discarded answer is gone either way.
  }
  return true;
}

function closeStream(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  if (typeof ReadableStream === "function" && body instanceof ReadableStream) {
    // A locked stream (being read) rejects cancel(); whoever reads it owns it.
    if (!body.locked) settleQuietly(body.cancel());
    return true;
  }
  return typeof (body as { pipe?: unknown }).pipe === "function" && dispose(body);
}

function settleQuietly(result: unknown): void {
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
    (result as PromiseLike<unknown>).then(undefined, () => undefined);
  }
}
