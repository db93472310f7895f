import { type Dispatcher, errors } from "undici";
import { MAX_HELD_BYTES } from "./undici-attempt.js";

type Body = Dispatcher.DispatchOptions["body"];

/** A body undici can send again whole: none, a string or bytes. Streams and async iterables are read once. */
export function replayableBody(body: Body): boolean {
  return body == null || typeof body === "string" || body instanceof Uint8Array;
}

/** The request's Content-Length from any of undici's header shapes (flat list, pairs, record); undefined: none. */
function contentLengthOf(headers: Dispatcher.DispatchOptions["headers"]): number | undefined {
  if (headers == null) return undefined;
  let value: unknown;
  if (Array.isArray(headers) && (headers.length === 0 || !Array.isArray(headers[0]))) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      if (String(headers[i]).toLowerCase() === "content-length") value = headers[i + 1];
  } else if (Symbol.iterator in Object(headers)) {
    for (const [name, v] of headers as Iterable<[string, unknown]>)
      if (name.toLowerCase() === "content-length") value = v;
  } else {
    for (const [name, v] of Object.entries(headers)) if (name.toLowerCase() === "content-length") value = v;
  }
  const length = Number(Array.isArray(value) ? value[0] : value);
  return Number.isInteger(length) && length >= 0 ? length : undefined;
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
  const length = contentLengthOf(options.headers);
  return length !== undefined && length <= MAX_HELD_BYTES;
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
