/** A body went over the cap `readCapped` was given; the caller says whose body and what to do. */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`body over ${maxBytes} bytes`);
  }
}

/** What `readCapped` reads: undici's response body (a Readable) or any byte stream that can be destroyed. */
export interface ByteStream extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

/**
 * Reads `body` whole, at most `maxBytes` (bytes as sent, before any decoding); past that it destroys the stream —
 * the connection is closed, not kept — and throws `BodyTooLarge`. A peer that streams without end (a registry, or
 * whatever a redirect points at) then costs bounded memory and stops at the cap, instead of growing until the
 * request's timeout.
 */
export async function readCapped(body: ByteStream, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      body.destroy();
      throw new BodyTooLarge(maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
