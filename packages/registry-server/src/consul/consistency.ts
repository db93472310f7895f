import { badRequest } from "./consul-error.js";
import { parseGoDuration } from "./go-duration.js";

/**
 * The consistency mode a read is answered in, as Consul reports it in `X-Consul-Effective-Consistency`
 * (hashicorp/consul agent/structs/structs.go `QueryOptions.ConsistencyLevel`: `?consistent` → `consistent`, a stale
 * read allowed — `?stale` or a positive `?max_stale` — → `stale`, otherwise `leader`; agent/http.go `setMeta`).
 */
export type ConsistencyLevel = "leader" | "stale" | "consistent";

/** What a read asked for of Consul's consistency modes. */
export interface Consistency {
  /** `?cached`: Consul then reports `X-Cache: HIT` or `MISS`; every answer here is read live, a miss. */
  readonly cached: boolean;
  /** The mode the answer reports (`X-Consul-Effective-Consistency`). */
  readonly level: ConsistencyLevel;
}

const has = (query: Readonly<Record<string, unknown>>, name: string): boolean => query[name] !== undefined;

/**
 * Reads `?stale`, `?consistent`, `?cached` and `?max_stale` as Consul's `parseConsistency` (agent/http.go) does.
 * This registry is one node that answers every read from its own state, so the modes change nothing in the answer;
 * but a request Consul refuses is refused here too, with Consul's reasons, rather than answered as if it were
 * sound: `?stale` with `?consistent` (or a positive `?max_stale`, which implies stale), `?cached` with
 * `?consistent`, and a `?max_stale` that is not a Go duration.
 */
export function readConsistency(query: Readonly<Record<string, unknown>>): Consistency {
  let stale = has(query, "stale");
  const consistent = has(query, "consistent");
  const cached = has(query, "cached");
  const maxStale = query.max_stale;
  const maxStaleText = Array.isArray(maxStale) ? maxStale[0] : maxStale;
  if (typeof maxStaleText === "string" && maxStaleText !== "") {
    const ms = parseGoDuration(maxStaleText);
    if (ms === undefined) throw badRequest(`Invalid max_stale value ${JSON.stringify(maxStaleText.slice(0, 32))}`);
    if (ms > 0) stale = true;
  }
  if (stale && consistent) throw badRequest("Cannot specify ?stale with ?consistent, conflicting semantics.");
  if (cached && consistent) throw badRequest("Cannot specify ?cached with ?consistent, conflicting semantics.");
  return { cached, level: consistent ? "consistent" : stale ? "stale" : "leader" };
}
