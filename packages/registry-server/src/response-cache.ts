import { createHash, randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Registry } from "./registry.js";

/** A serialised response, kept until the registry changes. */
export interface CachedBody {
  readonly json: string;
  readonly etag: string;
  gzipped?: Buffer;
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
    if (this.#version !== this.#registry.version) {
      this.#entries.clear();
      this.#version = this.#registry.version;
    }
    let entry = this.#entries.get(key);
    if (!entry) {
      const json = JSON.stringify(build());
      const hash = createHash("sha1").update(json).digest("base64url").slice(0, 16);
      entry = { json, etag: `"${this.#boot}-${this.#version}-${hash}"` };
      this.#entries.set(key, entry);
    }
    return entry;
  }
}

/** Sends a cached body: 304 when `If-None-Match` matches, gzip when the client accepts it. */
export function sendCached(request: FastifyRequest, reply: FastifyReply, entry: CachedBody): FastifyReply {
  reply.header("etag", entry.etag).header("cache-control", "no-cache").header("vary", "accept-encoding");
  const match = request.headers["if-none-match"];
  if (match?.split(",").some((tag) => tag.trim() === entry.etag)) {
    return reply.code(304).send();
  }
  reply.type("application/json");
  if (acceptsGzip(request)) {
    entry.gzipped ??= gzipSync(entry.json);
    return reply.header("content-encoding", "gzip").send(entry.gzipped);
  }
  return reply.send(entry.json);
}

/** True when the request's `Accept-Encoding` names gzip. */
export function acceptsGzip(request: FastifyRequest): boolean {
  return /\bgzip\b/i.test(String(request.headers["accept-encoding"] ?? ""));
}
