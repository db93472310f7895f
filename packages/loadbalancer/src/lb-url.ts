import { redactUrl } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import { LbError } from "./errors.js";

/** A parsed `lb://service/path?query` URL. */
export interface LbUrl {
  /** The service name, lower-cased (Eureka's and Consul's names are case-insensitive; the registry upper-cases). */
  readonly service: string;
  /** Path with query string, always starting with `/`. */
  readonly path: string;
}

const LB_SCHEME = /^lb:\/\//i;

/** True when `url` names a service to balance over rather than a host; the scheme is case-insensitive (RFC 3986 §3.1). */
export function isLbUrl(url: string | undefined): url is string {
  return url !== undefined && LB_SCHEME.test(url);
}

const invalid = (url: string, why: string): LbError => new LbError("LB_INVALID_URL", `"${redactUrl(url)}" ${why}`);

/**
 * Splits `lb://service/path` into the service name and the path to send. The scheme may be in any case and the
 * service name is lower-cased. Refused with LB_INVALID_URL (the URL in the message redacted): no service; userinfo
 * (`lb://user:pass@svc/` — credentials would be sent to whichever instance is picked: put them in a header);
 * a port (`lb://svc:8080/` — the port of each instance comes from discovery); characters outside a DNS label.
 */
export function parseLbUrl(url: string): LbUrl {
  const rest = url.slice("lb://".length);
  const cut = rest.search(/[/?#]/);
  const authority = cut === -1 ? rest : rest.slice(0, cut);
  const path = cut === -1 ? "/" : rest.slice(cut);
  if (!authority) throw invalid(url, "names no service: write lb://<service>/<path>");
  if (authority.includes("@")) {
    throw invalid(
      url,
      "carries credentials before the service name: send them in a header (e.g. Authorization) instead",
    );
  }
  if (authority.includes(":")) {
    throw invalid(url, "gives a port after the service name: each instance's port comes from discovery; drop it");
  }
  if (!/^[A-Za-z0-9._-]+$/.test(authority)) {
    throw invalid(url, "has a service name with characters other than letters, digits, '.', '_' and '-'");
  }
  return { service: authority.toLowerCase(), path: path.startsWith("/") ? path : `/${path}` };
}

/** An instance's host as a socket API takes it: an IPv6 literal without the brackets a URL needs (`[::1]` → `::1`). */
export function instanceHost(instance: ServiceInstance): string {
  const host = instance.host;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * The URL of `path` on one instance: `http(s)://host:port/path`, an IPv6 host in brackets (`http://[::1]:8080/`),
 * so requests and health probes reach the same address.
 */
export function instanceUrl(instance: ServiceInstance, path: string): string {
  const host = instanceHost(instance);
  const authority = host.includes(":") ? `[${host}]` : host;
  return `${instance.secure ? "https" : "http"}://${authority}:${instance.port}${path.startsWith("/") ? path : `/${path}`}`;
}

/** The origin of an instance's pool: `http://host:port`, an IPv6 host in brackets. */
export const instanceOrigin = (instance: ServiceInstance): string => instanceUrl(instance, "").slice(0, -1);

/**
 * The service an origin names — `lb://service`, or `http(s)://service` without a port (Spring Cloud's
 * `http://service/path` convention names a service bare) — or undefined: a host (an explicit port names one).
 */
export function serviceOfOrigin(origin: string): { service: string; lb: boolean } | undefined {
  if (isLbUrl(origin)) return { service: parseLbUrl(origin).service, lb: true };
  const url = URL.canParse(origin) ? new URL(origin) : undefined;
  if (url?.port !== "") return undefined;
  return { service: url.hostname.toLowerCase(), lb: false };
}
