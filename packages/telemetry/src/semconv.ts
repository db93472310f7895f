import { redactUrl } from "@outrigger/core";

/**
 * Attribute names of the OpenTelemetry HTTP semantic conventions (semantic-conventions
 * `docs/http/http-spans.md` and `http-metrics.md`, stable since v1.23) and Outrigger's own, in one place so the
 * spans and both metric exports name things alike.
 */
export const ATTR = {
  method: "http.request.method",
  methodOriginal: "http.request.method_original",
  status: "http.response.status_code",
  resendCount: "http.request.resend_count",
  serverAddress: "server.address",
  serverPort: "server.port",
  urlFull: "url.full",
  urlQuery: "url.query",
  errorType: "error.type",
  service: "outrigger.service",
  rule: "outrigger.rule",
  instanceId: "outrigger.instance.id",
  zone: "outrigger.instance.zone",
} as const;

/**
 * Bucket boundaries of `http.client.request.duration`, in seconds: the ones the HTTP metrics convention advises
 * (`ExplicitBucketBoundaries`, http-metrics.md).
 */
export const DURATION_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** The methods the convention names; any other is reported as `_OTHER` with the original kept apart. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "TRACE",
  "QUERY",
]);

/** `http.request.method` for `method` (already upper case): itself when the convention knows it, else `_OTHER`. */
export function methodAttribute(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "_OTHER";
}

/**
 * `url.full` as the convention asks: userinfo replaced by `REDACTED:REDACTED` and secret query values redacted
 * (core's `redactUrl`), so a credential never reaches a span.
 */
export function fullUrl(url: string): string {
  // No userinfo without "@", no query value without "=", no credential scheme without a space: most URLs.
  if (!url.includes("@") && !url.includes("=") && !url.includes(" ")) return url;
  return redactUrl(url);
}

/**
 * `url.query` of a SERVER span (http-spans.md, HTTP server: Conditionally Required when the request had one) from a
 * request target (`/orders?page=2`): the query without its `?`, secret values redacted as in `url.full`; undefined
 * when there is no query (an empty one, `/orders?`, included).
 */
export function urlQuery(target: string): string | undefined {
  const start = target.indexOf("?");
  if (start < 0 || start === target.length - 1) return undefined;
  return redactUrl(target.slice(start)).slice(1);
}

/**
 * `error.type` of an attempt or call (http-spans.md "Status"): the status code as a string for an answer of 400
 * or more; else the error's stable `code` (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`, `LB_ATTEMPT_TIMEOUT`), else its
 * class name, else `_OTHER`; undefined for a success.
 */
export function errorType(status: number | undefined, error: unknown): string | undefined {
  if (status !== undefined && status >= 400) return String(status);
  if (error === undefined || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code !== "") return code;
  const name = (error as { name?: unknown }).name;
  if (typeof name === "string" && name !== "" && name !== "Error") return name;
  return "_OTHER";
}
