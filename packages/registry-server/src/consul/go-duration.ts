/** Milliseconds per unit of Go's duration syntax, which Consul uses for TTL, Interval, Timeout and wait. */
export const GO_UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's `time.ParseDuration` grammar: an optional sign, then number-unit pairs; a bare `0` is the only unitless form. */
const GO_DURATION = /^[-+]?(?:0|(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/;

/**
 * Reads `?wait=` as Consul's `parseWait` (agent/http.go) does, with Go's `time.ParseDuration`: `30s`, `1m30s`,
 * `250ms`, `0`; a number without a unit (`30`) or anything else is not a duration and answers 400
 * `Invalid wait time`. Returns milliseconds, negative for a negative duration.
 */
export function parseGoDuration(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  const sign = text.startsWith("-") ? -1 : 1;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    ms += Number(n) * (GO_UNIT_MS[unit === "μs" ? "µs" : (unit as string)] as number);
  }
  return sign * ms;
}
