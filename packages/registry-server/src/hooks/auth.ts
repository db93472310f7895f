import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { RegistryError } from "../errors.js";

/** Settings of bearer-token protection. */
export interface AuthOptions {
  /** The shared token; undefined leaves the registry open. */
  readonly token?: string;
  /** Also require the token on reads (default: writes only). */
  readonly protectReads?: boolean;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/**
 * True when `given` equals `expected`, in time that does not depend on where they differ: both are hashed first,
 * so the compared buffers always have equal length and `timingSafeEqual` never throws or leaks the length.
 */
export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

const readMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** Requires `Authorization: Bearer <token>` on writes (and on reads when asked), as an `onRequest` hook. */
export function authHook(app: FastifyInstance, options: AuthOptions): void {
  const { token } = options;
  if (token === undefined || token === "") return;
  app.addHook("onRequest", async (request) => {
    // The Consul API under /v1 checks the token in its own way (X-Consul-Token too) and answers as Consul does.
    if (request.url.startsWith("/v1/")) return;
    if (readMethods.has(request.method) && !options.protectReads) return;
    const header = request.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    if (!tokenMatches(given, token)) {
      throw new RegistryError(
        "REGISTRY_UNAUTHORIZED",
        "Missing or wrong bearer token: send Authorization: Bearer <token> (the registry's --token)",
        401,
      );
    }
  });
}
