import { parseGoDuration } from "./consul/go-duration.js";

/**
 * The longest any long poll is held, the Outrigger watch and Consul blocking queries alike: Consul's cap
 * (agent/consul/rpc.go, `maxQueryTime`, 10 minutes). A longer wait is held this long.
 */
export const MAX_WAIT_MS = 600_000;

/**
 * Reads a long poll's `?wait=` as Consul's `parseWait` (agent/http.go) does, for every route that holds: a Go
 * duration (`time.ParseDuration`: `30s`, `1m30s`, `250ms`, `0`), so a number without a unit (`30`) or anything
 * else is undefined (the route answers 400). Absent, empty or zero → `defaultMs`; negative → `negativeMs` (the
 * Outrigger watch: 0, no hold; Consul's RPCQueryTimeout holds its default); longer than `MAX_WAIT_MS` →
 * `MAX_WAIT_MS`. Milliseconds.
 */
export function readWaitMs(text: string | undefined, defaultMs: number, negativeMs = 0): number | undefined {
  const asked = text === undefined || text === "" ? 0 : parseGoDuration(text);
  if (asked === undefined) return undefined;
  if (asked < 0) return negativeMs;
  return asked === 0 ? defaultMs : Math.min(asked, MAX_WAIT_MS);
}
