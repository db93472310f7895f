import { Readable } from "node:stream";

/**
 * A stream body recorded as it is read, up to `limit` bytes, so that a 307 or 308 can send it again — what
 * follow-redirects (axios' http adapter) does with every body it writes (`_requestBodyBuffers`). A stream is read
 * once: sent again as it was, it arrived empty (request/request#1925). Each hop gets its own stream (`hop()`):
 * what was recorded, then the rest of the source as it comes — so a redirect answered before the body was read to
 * its end (a server need not read it) still sends the whole body. One reader pulls the source, one chunk at a time,
 * and every hop reads the recording by position, so a hop that undici abandons mid-read loses nothing. Past `limit`
 * the recording stops and the body cannot follow another redirect (undici's `RedirectHandler` does not follow one
 * with a disturbed body either).
 */
export class RecordedBody {
  readonly #source: Readable;
  readonly #iterator: AsyncIterator<unknown>;
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** Chunks read from the source so far. */
  #count = 0;
  #last: Buffer | undefined;
  #whole = true;
  #ended = false;
  #pulling: Promise<void> | undefined;

  constructor(
    source: Readable,
    /** Most bytes held (`maxBodyLength` when set, else the dispatcher's own cap on held bodies). */
    readonly limit: number,
  ) {
    this.#source = source;
    // Driven by next() alone and never returned: a hop that ends early does not destroy the source.
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Whether another hop can send the body whole: nothing was dropped from the recording. */
  get replayable(): boolean {
    return this.#whole;
  }

  /** A stream for one hop: the recording from its start, then the source's rest. */
  hop(): Readable {
    const at = (i: number) => this.#at(i);
    return Readable.from(
      (async function* () {
        for (let i = 0; ; i++) {
          const chunk = await at(i);
          if (chunk === undefined) return;
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
  }

  /** Ends the source when the call is over and it was not read to its end (as undici destroys a body it dropped). */
  release(): void {
    if (!this.#ended) this.#source.destroy();
  }

  async #at(i: number): Promise<Buffer | undefined> {
    while (i >= this.#count) {
      if (this.#ended) return undefined;
      this.#pulling ??= this.#pull().finally(() => {
        this.#pulling = undefined;
      });
      await this.#pulling;
    }
    if (this.#whole) return this.#chunks[i];
    // Past the limit only the newest chunk is kept, for the one hop still reading (no new hop starts then).
    if (i === this.#count - 1) return this.#last;
    throw new Error("the request body was read past what was recorded for a redirect");
  }

  async #pull(): Promise<void> {
    const { value, done } = await this.#iterator.next();
    if (done) {
      this.#ended = true;
      return;
    }
    const part = typeof value === "string" ? Buffer.from(value) : (value as Buffer);
    this.#count += 1;
    this.#last = part;
    if (!this.#whole) return;
    if (this.#bytes + part.length <= this.limit) {
      this.#chunks.push(part);
      this.#bytes += part.length;
    } else {
      this.#whole = false;
      this.#chunks = [];
    }
  }
}
