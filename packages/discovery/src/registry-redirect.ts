import { DiscoveryError } from "./errors.js";

/**
 * How a registry client follows a redirect, as Eureka's `RedirectingEurekaHttpClient` does (eureka-client
 * `shared/transport/decorator/RedirectingEurekaHttpClient.java`): the same request goes again to the `Location`,
 * `MAX_REGISTRY_REDIRECTS` (its `MAX_FOLLOWED_REDIRECTS = 10`) requests in all, the first included — its loop sends
 * at most 10 and then fails ("Follow redirect limit crossed"). A registration redirected must stay a registration, so
 * 301, 302, 307 and 308 keep the method and body (Eureka re-sends any request on a 302); only 303 ("See Other")
 * becomes a GET without body (RFC 9110 §15.4.4). A redirect without a usable `Location` is an error, not an answer
 * (Eureka: "Missing Location header in the redirect reply", "Invalid redirect URL"; fetch: a non-http(s) `Location`
 * is a network error). Credentials go only to the origin they were given for: a redirect to another scheme, host or
 * port drops them, as fetch does for `Authorization` (fetch spec, "HTTP-redirect fetch") — here for every credential
 * header, `X-Consul-Token` included.
 */
export const MAX_REGISTRY_REDIRECTS = 10;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Whether `status` asks the client to go elsewhere (and the answer's body is not the registry's answer). */
export const isRedirect = (status: number): boolean => REDIRECTS.has(status);

/** The next hop of a redirect: where to, with which method, and whether credentials may go along. */
export interface RedirectHop {
  readonly url: string;
  readonly method: string;
  readonly keepBody: boolean;
  readonly sameOrigin: boolean;
}

/**
 * The hop a redirect answer (`isRedirect(status)`) asks for. `origin` is the origin the credentials were given for;
 * `shown` the request's URL as errors may show it. Throws DISCOVERY_BAD_RESPONSE when the `Location` is missing, is
 * no URL or is not http(s); the message never quotes the `Location` (it may carry a token, or be 16 KiB long).
 */
export function redirectHop(
  status: number,
  location: string | null,
  from: string,
  method: string,
  origin: string,
  shown: string,
): RedirectHop {
  const unusable = (what: string) =>
    new DiscoveryError(
      "DISCOVERY_BAD_RESPONSE",
      `Registry at ${shown} answered ${status} ${what}: point the client at the registry itself, or fix what redirects`,
    );
  if (!location) throw unusable("without a Location header");
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw unusable("with a Location that is not a URL");
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") throw unusable("to a Location that is not http(s)");
  const toGet = status === 303 && method.toUpperCase() !== "HEAD";
  return {
    url: next.href,
    method: toGet ? "GET" : method,
    keepBody: !toGet,
    sameOrigin: next.origin === origin,
  };
}
