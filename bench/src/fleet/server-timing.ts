// The upstream's own time per request, carried back to the load generator in a `Server-Timing` header
// (W3C Server Timing, https://www.w3.org/TR/server-timing/: `metric;dur=<ms>`), so the generator can subtract it
// and keep the time the request spent outside the upstream: the path whose cost the goals compare.

/** The header's name (lower case, as node:http and undici expose response headers). */
export const SERVER_TIMING = "server-timing";

/** The metric the upstream reports: from its handler's start to just before it writes the answer. */
const METRIC = "app";

/** The header value for `durMs` of upstream time: `app;dur=1.234`. */
export function serverTiming(durMs: number): string {
  return `${METRIC};dur=${durMs.toFixed(3)}`;
}

const DUR = /(?:^|,)\s*app\s*;(?:[^,]*;)?\s*dur=([0-9.]+)/;

/** The `app` metric's duration in ms from a `Server-Timing` value, or undefined when absent or malformed. */
export function upstreamMsOf(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(",") : header;
  if (value === undefined) return undefined;
  const match = DUR.exec(value);
  const ms = match ? Number(match[1]) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}
