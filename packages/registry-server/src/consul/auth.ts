import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

const digest = (text: string): Buffer => createHash("sha256").update(text).digest();

/** The token a Consul client sent: `X-Consul-Token`, else `Authorization: Bearer <token>`. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers["x-consul-token"];
  if (typeof header === "string" && header !== "") return header;
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  return match?.[1]?.trim();
}

/**
 * True when `presented` equals `expected`. Both are hashed first so the comparison takes the same time whatever
 * the lengths, and `timingSafeEqual` never leaks how many leading bytes matched.
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}
