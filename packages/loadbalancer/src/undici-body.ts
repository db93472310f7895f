import { type Dispatcher, errors } from "undici";
import { headerValue } from "./request-headers.js";
import { MAX_HELD_BYTES } from "./undici-attempt.js";

type Body = Dispatcher.DispatchOptions["body"];

/**
 * A body undici can send again whole: none, a string, bytes (any `ArrayBuffer` view, an `ArrayBuffer`), an array of
 * strings or bytes (iterated again), a `Blob`/`File` or a `FormData` — undici 6 makes the last two afresh on every
 * write (`lib/dispatcher/client-h1.js` `writeBody`: `extractBody(formData)`, `blob.stream()`), which is why they
 * are retried (nodejs/undici#4691 is undici's own RetryAgent failing on a FormData body). Streams, generators and
 * async iterables are read once.
 */
export function replayableBody(body: Body): boolean {
  if (body == null || typeof body === "string" || ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return true;
  if (Array.isArray(body)) return body.every((part) => typeof part === "string" || part instanceof Uint8Array);
  const tag = (body as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  // undici's own tests for these (lib/core/util.js isBlobLike, isFormDataLike): by tag, so another realm's count.
  if (tag === "Blob" || tag === "File") return typeof (body as { stream?: unknown }).stream === "function";
  return tag === "FormData" && typeof (body as { append?: unknown }).append === "function";
}

/**
 * True for a body read once (an async iterable) whose declared length is at most MAX_HELD_BYTES: it is read
 * ahead into bytes, so a retry can send it again. Node's `fetch` hands every body to its dispatcher as an async
 * iterable, even a string (nodejs/undici lib/web/fetch/index.js, httpNetworkFetch), so without this no fetch
 * with a body could be retried (nodejs/undici#3288 is the same failure in undici's own RetryHandler). A stream of
 * unknown or larger length is sent as it comes and is not retried (LB_BODY_NOT_REPLAYABLE).
 */
export function readAheadBody(options: Dispatcher.DispatchOptions): boolean {
  const { body } = options;
  if (
    replayableBody(body) ||
    typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== "function"
  )
    return false;
  const value = headerValue(options.headers, "content-length");
  const length = Number(Array.isArray(value) ? value[0] : value);
  if (!Number.isInteger(length) || length < 0) return false;
  return length <= MAX_HELD_BYTES;
}

/**
 * Reads a body `readAheadBody` accepted. More than MAX_HELD_BYTES (a Content-Length that lied) fails as undici
 * fails such a request: UND_ERR_REQ_CONTENT_LENGTH_MISMATCH.
 */
export async function readBody(body: Body): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    const part =
      typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    bytes += part.length;
    if (bytes > MAX_HELD_BYTES) throw new errors.RequestContentLengthMismatchError();
    chunks.push(part);
  }
  return Buffer.concat(chunks, bytes);
}
