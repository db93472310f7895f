import type { Readable } from "node:stream";

/**
 * A stream body recorded as it is sent, up to `limit` bytes, so that a 307 or 308 can send it again — what
 * follow-redirects (axios' http adapter) does with every body it writes (`_requestBodyBuffers`). A stream is read
 * once: sent again as it was, it arrived empty (request/request#1925). Past `limit` the recording stops and the
 * body cannot follow a redirect (undici's `RedirectHandler` does not follow one with a disturbed body either).
 */
export class RecordedBody implements AsyncIterable<Buffer> {
  #chunks: Buffer[] = [];
  #bytes = 0;
  #whole = true;
  #ended = false;

  constructor(
    private readonly source: Readable,
    /** Most bytes held (`maxBodyLength` when set, else the dispatcher's own cap on held bodies). */
    readonly limit: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for await (const chunk of this.source) {
      const part = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
      if (this.#whole) {
        if (this.#bytes + part.length <= this.limit) {
          this.#chunks.push(part);
          this.#bytes += part.length;
        } else {
          this.#whole = false;
          this.#chunks = [];
        }
      }
      yield part;
    }
    this.#ended = true;
  }

  /** The whole body to send again, or undefined when it was not read to its end or was larger than `limit`. */
  replay(): Buffer | undefined {
    return this.#whole && this.#ended ? Buffer.concat(this.#chunks, this.#bytes) : undefined;
  }
}
