import { createHash, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { promisify } from "node:util";
import { constants, gzip } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Registry } from "./registry.js";

const gzipAsync = promisify(gzip);
/**
 * Gzip level 1: on a 10 000-instance registry (about 8 MB of JSON) it is several times faster than the default
 * level 6 and still shrinks Eureka's repetitive JSON about tenfold. It runs on libuv's thread pool, so compressing
 * a large body never blocks renewals.
 */
const GZIP_OPTIONS = { level: constants.Z_BEST_SPEED };

/**
 * The most reads kept for one registry version. Keys come from request paths (`/vips/{vip}`, a watched app's
 * name), so without a bound a reader asking for ever new names between two writes grows the cache without end; past
 * it the entry read longest ago goes (a real registry's apps and vips are far fewer, and the full fetch and delta,
 * read by every poller, stay).
 */
export const MAX_CACHED_READS = 4096;

/** A response body in both encodings; each is made at most once, when first asked for. */
export interface Encodings {
  /**
   * The JSON bytes, in pieces sent one after another (a 10 000-instance registry is about 8 MB: kept pieces are
   * sent as they are rather than copied into one buffer on every change).
   */
  plain(): readonly Buffer[];
  gzip(): Promise<Buffer>;
}

/** A serialised response, kept until the registry changes. */
export interface CachedBody extends Encodings {
  readonly etag: string;
}

/** Encodings of a body built whole: the gzip compresses all of it at once, off the event loop. */
export function wholeBody(json: Buffer): Encodings {
  return { plain: () => [json], gzip: () => gzipAsync(json, GZIP_OPTIONS) };
}

/**
 * Serialised reads (full fetch, delta, one app, vips), each kept until the next registry change. Unlike Eureka's
 * 30-second read-only cache, an entry is dropped the moment the registry's version moves, so no read is stale.
 * Renewals do not move the version, so a storm of heartbeats does not defeat the cache.
 */
export class ResponseCache {
  readonly #registry: Registry;
  readonly #entries = new Map<string, CachedBody>();
  /** A restart starts versions at 0 again; the boot id keeps old ETags from matching new content. */
  readonly #boot = randomUUID().slice(0, 8);
  #version = -1;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  /** The cached body for `key`, built with `build` when missing or stale. */
  get(key: string, build: () => unknown): CachedBody {
    return this.getText(key, () => JSON.stringify(build()));
  }

  /** Like `get`, for a builder that returns JSON text itself. */
  getText(key: string, build: () => string): CachedBody {
    return this.getBytes(key, () => Buffer.from(build()));
  }

  /** Like `get`, for a builder that returns encoded JSON. */
  getBytes(key: string, build: () => Buffer): CachedBody {
    return this.getEncoded(key, () => wholeBody(build()));
  }

  /**
   * Like `get`, for a builder that returns both encodings (see `ChunkedGzip`). `build` must capture the registry
   * as it is now: the entry answers for this version even when its bytes are made later.
   */
  getEncoded(key: string, build: () => Encodings): CachedBody {
    if (this.#version !== this.#registry.version) {
      this.#entries.clear();
      this.#version = this.#registry.version;
    }
    let entry = this.#entries.get(key);
    if (entry) {
      // Least recently used goes first: a read moves its entry to the back.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    } else {
      // An entry lives for one registry version, so boot id + version + key name the content exactly (the same
      // after an eviction and rebuild, so pollers' If-None-Match still hits); hashing 8 MB of JSON would cost more
      // than serialising it. The key goes in hashed: request text never reaches a header.
      const encodings = build();
      let zipped: Promise<Buffer> | undefined;
      entry = {
        etag: `"${this.#boot}-${this.#version}-${createHash("sha256").update(key).digest("base64url").slice(0, 16)}"`,
        plain: () => encodings.plain(),
        // Concurrent gzip readers share one compression.
        gzip: () => {
          if (zipped) return zipped;
          const made = encodings.gzip();
          zipped = made;
          // A failed compression is not kept: the next reader tries again.
          made.catch(() => {
            if (zipped === made) zipped = undefined;
          });
          return made;
        },
      };
      if (this.#entries.size >= MAX_CACHED_READS) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(key, entry);
    }
    return entry;
  }
}

/**
 * Sends a cached body: 304 when `If-None-Match` matches, gzip when the client accepts it and the body has at least
 * `minGzipBytes` (default 0: any size).
 */
export async function sendCached(
  request: FastifyRequest,
  reply: FastifyReply,
  entry: CachedBody,
  contentType = "application/json",
  minGzipBytes = 0,
): Promise<FastifyReply> {
  reply.header("etag", entry.etag).header("cache-control", "no-cache").header("vary", "accept, accept-encoding");
  const match = request.headers["if-none-match"];
  if (match?.split(",").some((tag) => tag.trim() === entry.etag)) {
    return reply.code(304).send();
  }
  reply.type(contentType);
  if (acceptsGzip(request) && (minGzipBytes === 0 || plainLength(entry) >= minGzipBytes)) {
    return reply.header("content-encoding", "gzip").send(await entry.gzip());
  }
  const pieces = entry.plain();
  if (pieces.length === 1) return reply.send(pieces[0]);
  // A stream has no length of its own; the pieces' sum keeps the answer a plain Content-Length one.
  reply.header(
    "content-length",
    pieces.reduce((sum, piece) => sum + piece.length, 0),
  );
  return reply.send(Readable.from(pieces));
}

/** Bytes of a body's plain encoding. */
function plainLength(entry: Encodings): number {
  return entry.plain().reduce((sum, piece) => sum + piece.length, 0);
}

/**
 * Watch answers smaller than this go uncompressed even to a client that accepts gzip: below about one 1.5 KB
 * segment, compression saves no packet, and it costs a thread-pool round trip on the registry before every woken
 * watch is answered plus an inflate stream in every client — on a policy push to many processes at once, the hops
 * that wait for a core. 2 KiB is Tomcat's `compressionMinSize` default (Spring Boot's
 * `server.compression.min-response-size`, where Eureka servers usually run).
 */
export const WATCH_MIN_GZIP_BYTES = 2_048;

/** True when the request's `Accept-Encoding` accepts gzip (see `gzipAccepted`). */
export function acceptsGzip(request: FastifyRequest): boolean {
  return gzipAccepted(String(request.headers["accept-encoding"] ?? ""));
}

/**
 * Whether an `Accept-Encoding` value accepts gzip, per RFC 9110 §12.5.3: `gzip` (or its alias `x-gzip`) listed
 * anywhere, with any parameters, and a weight above 0 (`deflate, gzip;q=0.5` accepts it: Netflix/eureka#711 was a
 * gzip listed second; `gzip;q=0` refuses it, and a registry that sent gzip anyway would hand a client bytes it said
 * it cannot read, as jquatier/eureka-js-client#54 got from Eureka's always-gzip filter). `*` is not taken as gzip:
 * plain is always acceptable to such a client.
 */
export function gzipAccepted(header: string): boolean {
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.split(";");
    const coding = name.trim().toLowerCase();
    if (coding !== "gzip" && coding !== "x-gzip") continue;
    const weight = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/i.exec(p)).find((m) => m !== null);
    return weight ? Number(weight[1]) > 0 : true;
  }
  return false;
}
