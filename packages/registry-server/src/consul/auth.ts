import type { IncomingHttpHeaders } from "node:http";
import { tokenMatches } from "../hooks/auth.js";

/** The token a Consul client sent: `X-Consul-Token`, else `Authorization: Bearer <token>`. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers["x-consul-token"];
  if (typeof header === "string" && header !== "") return header;
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  return match?.[1]?.trim();
}

/** True when a Consul client presented the registry's token (compared in constant time). */
export function consulTokenMatches(presented: string | undefined, expected: string): boolean {
  return presented !== undefined && tokenMatches(presented, expected);
}
