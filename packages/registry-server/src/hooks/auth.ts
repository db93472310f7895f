import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RegistryError } from "../errors.js";
import { presentedCredential } from "./credentials.js";

/**
 * What a request may do. `read`: every GET/HEAD (fetches, watches, the dashboard and its event stream, `/status`,
 * `/metrics`, Consul catalog/health/agent reads). `write`: everything else (register, renew, cancel, status
 * overrides, peer replication, Consul register/deregister/check updates/maintenance). Write includes read.
 */
export type Scope = "read" | "write";

/** Who may do what: the tokens and what a request without one may do. */
export interface AuthOptions {
  /** The write token (write and read); also sent to peers. Undefined (with no `readToken`) leaves the registry open. */
  readonly token?: string;
  /** A token that may only read (fetch, watch, dashboard, metrics, Consul queries). */
  readonly readToken?: string;
  /**
   * Let requests without a token read (default false once any token is set): the registry then guards writes
   * only, as before 0.2. A wrong token is refused even then, so a misconfigured client notices.
   */
  readonly anonymousRead?: boolean;
}

/** What `route.config.scope` may say to override the method rule: `none` for a route open to anyone. */
export type RouteScope = Scope | "none";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The scope this route needs; by default GET/HEAD/OPTIONS need read and every other method write. */
    scope?: RouteScope;
  }
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

/** The scope a route needs: its `config.scope`, else read for GET/HEAD/OPTIONS and write for any other method. */
export function requiredScope(method: string, configured?: RouteScope): RouteScope {
  return configured ?? (readMethods.has(method) ? "read" : "write");
}

/** What a presented token grants; both tokens are always compared, so timing does not tell which one matched. */
function granted(given: string, options: AuthOptions): Scope | undefined {
  const write = options.token ? tokenMatches(given, options.token) : false;
  const read = options.readToken ? tokenMatches(given, options.readToken) : false;
  return write ? "write" : read ? "read" : undefined;
}

/**
 * The write check alone, for a handler that runs before the framework's hooks (the renewal fast path): true when
 * the registry is open or the request presents the write token. A request it refuses goes through the hook above,
 * which answers the refusal.
 */
export function writeAllowed(
  options: AuthOptions,
): (headers: FastifyRequest["headers"], query: Record<string, unknown>) => boolean {
  if (!options.token && !options.readToken) return () => true;
  return (headers, query) => {
    const credential = presentedCredential({ headers, query });
    return credential !== undefined && granted(credential.token, options) === "write";
  };
}

/** True when a request under this path is answered by the Consul API (which answers 403 as Consul does). */
function isConsulPath(url: string): boolean {
  return url === "/v1" || url.startsWith("/v1/") || url.startsWith("/v1?");
}

function refuse(request: FastifyRequest, reply: FastifyReply, known: boolean, need: Scope): RegistryError {
  if (isConsulPath(request.url)) {
    // Consul answers 403 both for an unknown token ("ACL not found") and for one without the permission.
    return new RegistryError(
      "REGISTRY_CONSUL_PERMISSION_DENIED",
      // Under 80 characters: the `consul` npm client shows a longer body as a bare "forbidden" (consul-error.ts).
      known
        ? `Permission denied: this token may not ${need}; send the ${need === "write" ? "write " : ""}token`
        : "ACL not found: send the token in X-Consul-Token or ?token=",
      403,
    );
  }
  if (known && need === "write") {
    return new RegistryError(
      "REGISTRY_FORBIDDEN",
      "This token may only read: send the registry's write token (--token) to change the registry",
      403,
    );
  }
  // The Basic challenge lets a browser ask for the token (as the password) and resend it to the event stream.
  // Two headers, Basic first: browsers read the first challenge they support, and none supports Bearer.
  reply.header("www-authenticate", [
    'Basic realm="outrigger-registry", charset="UTF-8"',
    'Bearer realm="outrigger-registry"',
  ]);
  return new RegistryError(
    "REGISTRY_UNAUTHORIZED",
    "Missing or wrong token: send Authorization: Bearer <token> (or Basic with the token as password, X-Consul-Token, ?token=)",
    401,
  );
}

/**
 * The registry's one access check, an `onRequest` hook on the root instance so it runs before every route of both
 * protocols, the dashboard, metrics and 404s alike. With no token configured everything is open. Otherwise each
 * route needs its scope (see `requiredScope`); a wrong token is always refused; a request without a token may read
 * only when `anonymousRead` is set. Eureka and dashboard routes answer 401 (missing or wrong token) or 403 (a read
 * token on a write); the Consul API answers 403 as Consul does. No token ever appears in an answer or a log.
 */
export function authHook(app: FastifyInstance, options: AuthOptions): void {
  if (!options.token && !options.readToken) return;
  app.addHook("onRequest", async (request, reply) => {
    const need = requiredScope(request.method, request.routeOptions.config?.scope);
    if (need === "none") return;
    const credential = presentedCredential(request);
    if (credential === undefined) {
      if (need === "read" && options.anonymousRead) return;
      throw refuse(request, reply, false, need);
    }
    const scope = granted(credential.token, options);
    if (scope === "write" || (scope === "read" && need === "read")) return;
    throw refuse(request, reply, scope !== undefined, need);
  });
}
