import { promisify } from "node:util";
import * as zlib from "node:zlib";
import { crc32Combine, crc32Shift } from "./crc32-combine.js";
import type { Encodings } from "./response-cache.js";

const gzipAsync = promisify(zlib.gzip);

/**
 * Level 1 for chunks. After one change any level is cheap (one or two chunks), but renewals replace leases, so
 * after a second of renewals from 10 000 instances most chunks are compressed again: measured with every chunk
 * compressed, level 1 took less than half the time of level 6 (16 against 38 ms) for a body about a sixth larger
 * (246 against 213 KB; Eureka's JSON is repetitive).
 */
const CHUNK_LEVEL = zlib.constants.Z_BEST_SPEED;
/** About 2 ms of level-1 compression on these machines: the longest the event loop is held at a time. */
const YIELD_AFTER_BYTES = 512 * 1024;
/**
 * How much of the previous chunk primes the next one's compression. Eureka's instances repeat within a few KB:
 * measured on 10 000 instances, 8 KiB compresses as well as deflate's whole 32 KiB window (234 KB against 232 KB)
 * and costs a quarter of the dictionary hashing, which dominated when most chunks changed.
 */
const DICTIONARY_BYTES = 8 * 1024;
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
  /**
   * CRC-32 of `plain` and its shift, made for the first gzip reader and kept, so the gzip trailer never reads the
   * whole document again.
   */
  crc?: { readonly value: number; readonly shift: number };
  /** Raw deflate of `plain`, ended with a sync flush and primed with the tail of `primedWith`. */
  deflated?: Buffer;
  primedWith?: Buffer;
}

/**
 * Encodes a large JSON document made of many items (a full fetch: ten thousand instances) so that after a change
 * to one item only that item's chunk is encoded and compressed again. The document is cut into chunks at
 * item-defined boundaries; each chunk's JSON and raw deflate are kept while its items stay the same objects.
 *
 * The gzip is ONE member holding ONE deflate stream, as pigz builds it: each chunk is deflated on its own with the
 * previous chunk's last 8 KiB as preset dictionary (bytes a decoder holds in its window at that
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
      const plain = this.#join(run);
      chunk = { parts: run, plain };
    }
    next.set(key, chunk);
    return chunk;
  }

  /** The bytes of a run of parts, written into one buffer (no small buffer per separator). */
  #join(run: readonly DocumentPart<T>[]): Buffer {
    const bytes = run.map((part) => (typeof part === "string" ? part : this.#rules.encode(part)));
    let length = 0;
    for (const piece of bytes) length += typeof piece === "string" ? Buffer.byteLength(piece) : piece.length;
    const plain = Buffer.allocUnsafe(length);
    let offset = 0;
    for (const piece of bytes) {
      offset += typeof piece === "string" ? plain.write(piece, offset) : piece.copy(plain, offset);
    }
    return plain;
  }
}

/**
 * Joins the head's and the chunks' deflate streams into one gzip member. Missing pieces are compressed on the
 * event loop, yielding after every `YIELD_AFTER_BYTES`: after one change that is one or two chunks (well under a
 * millisecond, less than a trip to the thread pool); after many renewals it is most of the document, and requests
 * such as renews are served between the slices. Measured: one async zlib call per chunk (a new zlib stream and a
 * thread-pool trip each) was four times slower than this for 300 chunks.
 */
async function gzipChunks<T>(head: Buffer, chunks: readonly Chunk<T>[]): Promise<Buffer> {
  if (!crc32) return gzipAsync(Buffer.concat([head, ...chunks.map((chunk) => chunk.plain)]), FALLBACK_OPTIONS);
  const pieces: Buffer[] = [
    zlib.deflateRawSync(head, { level: CHUNK_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
  ];
  let sinceYield = 0;
  let crc = crc32(head);
  let length = head.length;
  for (const [i, chunk] of chunks.entries()) {
    const before = chunks[i - 1]?.plain;
    if (!chunk.deflated || chunk.primedWith !== before) {
      if (sinceYield >= YIELD_AFTER_BYTES) {
        await new Promise(setImmediate);
        sinceYield = 0;
      }
      // Checked again after a yield: another reader may have compressed it meanwhile.
      if (!chunk.deflated || chunk.primedWith !== before) {
        chunk.deflated = deflate(chunk.plain, before);
        chunk.primedWith = before;
        sinceYield += chunk.plain.length;
      }
    }
    pieces.push(chunk.deflated);
    chunk.crc ??= { value: crc32(chunk.plain), shift: crc32Shift(chunk.plain.length) };
    crc = crc32Combine(crc, chunk.crc.value, chunk.crc.shift);
    length += chunk.plain.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([GZIP_HEADER, ...pieces, FINAL_BLOCK, trailer]);
}

/** Raw deflate of `plain` ending in a sync flush, primed with the tail of `before` (which the decoder holds in its window). */
function deflate(plain: Buffer, before: Buffer | undefined): Buffer {
  const options: zlib.ZlibOptions = { level: CHUNK_LEVEL, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (before) options.dictionary = before.subarray(Math.max(0, before.length - DICTIONARY_BYTES));
  return zlib.deflateRawSync(plain, options);
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
