import { describe, expect, it } from "vitest";
import { Registry } from "./registry.js";
import { gzipAccepted, MAX_CACHED_READS, ResponseCache } from "./response-cache.js";

// Rule: RFC 9110 §12.5.3 (Accept-Encoding weights). The real-process replays (Netflix/eureka#711,
// jquatier/eureka-js-client#54) are in conformance/eureka-read-field.test.ts.
describe("gzipAccepted", () => {
  it("accepts gzip listed anywhere with a weight above 0", () => {
    for (const header of ["gzip", "deflate, gzip", "gzip;q=0.5", "br;q=1, GZIP ; q=0.001", "x-gzip", "gzip;level=1"]) {
      expect({ header, ok: gzipAccepted(header) }).toEqual({ header, ok: true });
    }
  });

  it("refuses gzip weighted 0, not listed, or only covered by *", () => {
    for (const header of ["", "gzip;q=0", "gzip; q=0.000", "identity", "deflate, br", "*", "gzipped", "nogzip"]) {
      expect({ header, ok: gzipAccepted(header) }).toEqual({ header, ok: false });
    }
  });
});

/** A cache on an empty registry, and a builder that counts its calls. */
function counted() {
  const cache = new ResponseCache(new Registry());
  const counter = { builds: 0 };
  const build = () => {
    counter.builds += 1;
    return {};
  };
  return { cache, counter, build };
}

describe("ResponseCache", () => {
  it("keeps at most MAX_CACHED_READS reads of one version, dropping the oldest first", () => {
    const { cache, counter, build } = counted();
    // Keys come from request paths (/vips/{vip}): a reader asking for ever new names must not grow it without end.
    for (let i = 0; i <= MAX_CACHED_READS; i += 1) cache.get(`vip:${i}`, build);
    expect(counter.builds).toBe(MAX_CACHED_READS + 1);
    cache.get(`vip:${MAX_CACHED_READS}`, build);
    expect(counter.builds).toBe(MAX_CACHED_READS + 1);
    cache.get("vip:0", build);
    expect(counter.builds).toBe(MAX_CACHED_READS + 2);
  });

  it("keeps the reads asked for again: the least recently read goes first", () => {
    const { cache, counter, build } = counted();
    cache.get("apps", build);
    for (let i = 0; i < MAX_CACHED_READS; i += 1) {
      cache.get(`vip:${i}`, build);
      if (i % 1000 === 0) cache.get("apps", build); // pollers keep reading the full fetch
    }
    const before = counter.builds;
    cache.get("apps", build);
    expect(counter.builds).toBe(before);
  });

  it("gives a read an ETag that carries no request text and stays the same when it is built again", () => {
    const cache = new ResponseCache(new Registry());
    const odd = cache.get('vip:€"\r\nx-evil: 1', () => ({}));
    const plain = cache.get("vip:a", () => ({}));
    expect(odd.etag).toMatch(/^"[0-9a-f]{8}-\d+-[\w-]{16}"$/);
    expect(plain.etag).not.toBe(odd.etag);
    // Evicted and rebuilt in the same version: pollers' If-None-Match must still match.
    for (let i = 0; i <= MAX_CACHED_READS; i += 1) cache.get(`vip:${i}`, () => ({}));
    expect(cache.get("vip:a", () => ({})).etag).toBe(plain.etag);
  });
});
