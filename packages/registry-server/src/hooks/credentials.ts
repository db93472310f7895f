import type { FastifyRequest } from "fastify";

/** Where a credential came from, for documentation and tests; the value itself is never logged. */
export type CredentialSource = "query" | "x-consul-token" | "bearer" | "basic";

/** A secret a client presented, and where it found it. */
export interface Credential {
  readonly token: string;
  readonly source: CredentialSource;
}

/** The password of `Authorization: Basic base64(user:password)`, or the user name when the password is empty. */
function basicSecret(encoded: string): string | undefined {
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return decoded || undefined;
  const password = decoded.slice(colon + 1);
  return password || decoded.slice(0, colon) || undefined;
}

/**
 * The credential a client sent, looked up in Consul's order (hashicorp/consul `agent/http.go`,
 * `parseTokenInternal`): the `?token=` query parameter, then `X-Consul-Token`, then `Authorization`. The
 * `Authorization` scheme is matched in any case (RFC 7235 §2.1): `Bearer <token>`, or `Basic` as Spring's Eureka
 * clients send for a `serviceUrl` like `http://user:secret@host/eureka/` (the password is the token; the user name
 * is ignored, or is the token when the password is empty). Undefined when none was sent.
 */
export function presentedCredential(request: Pick<FastifyRequest, "headers" | "query">): Credential | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  // Go's `URL.Query().Get` takes the first of repeated parameters (`?token=a&token=b`); the parser gives an array.
  const fromQuery = Array.isArray(query?.token) ? query.token[0] : query?.token;
  if (typeof fromQuery === "string" && fromQuery !== "") return { token: fromQuery, source: "query" };
  const consul = request.headers["x-consul-token"];
  if (typeof consul === "string" && consul !== "") return { token: consul, source: "x-consul-token" };
  const match = /^\s*(\S+)\s+(.+)$/.exec(request.headers.authorization ?? "");
  if (!match) return undefined;
  const scheme = (match[1] as string).toLowerCase();
  const value = (match[2] as string).trim();
  if (scheme === "bearer" && value !== "") return { token: value, source: "bearer" };
  if (scheme === "basic") {
    const secret = basicSecret(value);
    return secret === undefined ? undefined : { token: secret, source: "basic" };
  }
  return undefined;
}
