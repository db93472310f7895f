import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { crc32Combine, crc32Shift } from "./crc32-combine.js";
import type { Encodings } from "./response-cache.js";

const deflateRawAsync = promisify(zlib.deflateRaw);
const gzipAsync = promisify(zlib.gzip);

/**
 * Level 6 (zlib's default) for chunks: after a write only the changed chunks are compressed again, so the stronger
 * level costs nothing on the hot path, and it makes the body about a tenth smaller than level 1.
 */
const CHUNK_LEVEL = zlib.constants.Z_DEFAULT_COMPRESSION;
/** Deflate's window: a chunk can refer back at most this far, so more of the previous chunk is never needed. */
const WINDOW_BYTES = 32 * 1024;
/** A chunk ends after at most this many items even without a natural boundary, so one chunk stays small. */
const MAX_ITEMS_PER_CHUNK = 128;
/** Gzip member header: magic, deflate, no flags, no mtime (the body must not depend on the time), unknown OS. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final block with fixed codes: ends a deflate stream whose pieces all ended with a sync flush. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
/** `zlib.crc32` exists from Node 20.15; older Nodes gzip the whole body at once instead. */
const crc32: ((data: Buffer, value?: number) => number) | undefined = (zlib as { crc32?: typeof zlib.crc32 }).crc32;
/** The whole-body fallback uses level 1: several times faster than 6 on an 8 MB body, still about tenfold smaller. */
const FALLBACK_OPTIONS = { level: zlib.constants.Z_BEST_SPEED };

/** A part of a document: literal JSON text, or an item the encoder turns into JSON bytes. */
export type DocumentPart<T> = string | T;

/** How a `ChunkedGzip` turns items into bytes and where it may cut the document. */
export interface ChunkingRules<T extends object> {
  /**
   * The JSON bytes of one item; called for the items of a chunk that changed (keep bytes per item when encoding
   * costs, as the full fetch does per lease).
   */
  readonly encode: (item: T) => Buffer;
  /**
   * True when a chunk may end after `item`. It must depend only on what keeps an item's place (its id), so that
   * a change to one item moves no boundary and leaves every other chunk as it was.
   */
  readonly boundaryAfter: (item: T) => boolean;
}

/** A run of consecutive parts, encoded together and deflated together. */
interface Chunk<T> {
  readonly parts: readonly DocumentPart<T>[];
  readonly plain: Buffer;
  /** CRC-32 of `plain` and its shift, so the gzip trailer never reads the whole document again. */
  readonly crc: number;
  readonly shift: number;
  /** Raw deflate of `plain`, ended with a sync flush and primed with the tail of `primedWith`. */
  deflated?: Promise<Buffer>;
  primedWith?: Buffer;
}

/**
 * Encodes a large JSON document made of many items (a full fetch: ten thousand instances) so that after a change
 * to one item only that item's chunk is encoded and compressed again. The document is cut into chunks at
 * item-defined boundaries; each chunk's JSON and raw deflate are kept while its items stay the same objects.
 *
 * The gzip is ONE member holding ONE deflate stream, as pigz builds it: each chunk is deflated on its own with the
 * previous chunk's last 32 KiB as preset dictionary (which is exactly what a decoder has in its window at that
 * point) and ends with a sync flush, so the pieces join byte for byte; an empty final block and the CRC-32 of the
 * whole JSON close it. Any gzip decoder reads it. Multi-member gzip was ruled out: several decoders stop after the
 * first member (Java before 7, .NET's GZipStream, zlib's own inflate).
 */
export class ChunkedGzip<T extends object> {
  readonly #rules: ChunkingRules<T>;
  /** Chunks of the last document, by their first item (or first part when they hold none). */
  #chunks = new Map<unknown, Chunk<T>>();

  constructor(rules: ChunkingRules<T>) {
    this.#rules = rules;
  }

  /**
   * Encodes `head` followed by `parts`. The head (which changes on every write: version, hash code) is never
   * cached; parts are.
   */
  encode(head: string, parts: readonly DocumentPart<T>[]): Encodings {
    const chunks = this.#split(parts);
    const headBytes = Buffer.from(head);
    // The chunks are sent as they are: neither reader needs the whole document in one 8 MB buffer.
    return {
      plain: () => [headBytes, ...chunks.map((chunk) => chunk.plain)],
      gzip: () => gzipChunks(headBytes, chunks),
    };
  }

  #split(parts: readonly DocumentPart<T>[]): Chunk<T>[] {
    const previous = this.#chunks;
    const next = new Map<unknown, Chunk<T>>();
    const chunks: Chunk<T>[] = [];
    let start = 0;
    let items = 0;
    let key: unknown;
    // One pass without intermediate arrays: this runs over every item on every write.
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] as DocumentPart<T>;
      if (typeof part === "string") continue;
      key ??= part;
      items += 1;
      if (items >= MAX_ITEMS_PER_CHUNK || this.#rules.boundaryAfter(part)) {
        chunks.push(this.#take(previous, next, parts, start, i + 1, key));
        start = i + 1;
        items = 0;
        key = undefined;
      }
    }
    if (start < parts.length) chunks.push(this.#take(previous, next, parts, start, parts.length, key ?? parts[start]));
    this.#chunks = next;
    return chunks;
  }

  /** The kept chunk for `parts[start..end)` when its parts are the same, else a new one. */
  #take(
    previous: ReadonlyMap<unknown, Chunk<T>>,
    next: Map<unknown, Chunk<T>>,
    parts: readonly DocumentPart<T>[],
    start: number,
    end: number,
    key: unknown,
  ): Chunk<T> {
    let chunk = previous.get(key);
    if (!chunk || !samePartsAt(chunk.parts, parts, start, end)) {
      const run = parts.slice(start, end);
      const plain = Buffer.concat(
        run.map((part) => (typeof part === "string" ? Buffer.from(part) : this.#rules.encode(part))),
      );
      chunk = { parts: run, plain, crc: crc32?.(plain) ?? 0, shift: crc32Shift(plain.length) };
    }
    next.set(key, chunk);
    return chunk;
  }
}

/** Joins the head's and the chunks' deflate streams into one gzip member. */
async function gzipChunks<T>(head: Buffer, chunks: readonly Chunk<T>[]): Promise<Buffer> {
  if (!crc32) return gzipAsync(Buffer.concat([head, ...chunks.map((chunk) => chunk.plain)]), FALLBACK_OPTIONS);
  const pieces = await Promise.all([
    deflateRawAsync(head, { level: CHUNK_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
    ...chunks.map((chunk, i) => deflated(chunk, chunks[i - 1]?.plain)),
  ]);
  let crc = crc32(head);
  let length = head.length;
  for (const chunk of chunks) {
    crc = crc32Combine(crc, chunk.crc, chunk.shift);
    length += chunk.plain.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...pieces, FINAL_BLOCK, trailer]);
}

/** A chunk's deflate primed with `before`'s tail, compressed once (off the event loop) and kept. */
function deflated<T>(chunk: Chunk<T>, before: Buffer | undefined): Promise<Buffer> {
  if (chunk.deflated && chunk.primedWith === before) return chunk.deflated;
  const options: zlib.ZlibOptions = { level: CHUNK_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (before) options.dictionary = before.subarray(Math.max(0, before.length - WINDOW_BYTES));
  const promise = deflateRawAsync(chunk.plain, options);
  chunk.deflated = promise;
  chunk.primedWith = before;
  // A failed compression is not kept: the next request tries again.
  promise.catch(() => {
    if (chunk.deflated === promise) chunk.deflated = undefined;
  });
  return promise;
}

/** `parts[start..end)` are the kept parts, in order; items compare by identity (a changed item is a new object). */
function samePartsAt<T>(
  kept: readonly DocumentPart<T>[],
  parts: readonly DocumentPart<T>[],
  start: number,
  end: number,
): boolean {
  if (kept.length !== end - start) return false;
  for (let i = start; i < end; i += 1) if (kept[i - start] !== parts[i]) return false;
  return true;
}
