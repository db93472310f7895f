/**
 * How a registry client follows a redirect, as Eureka's `RedirectingEurekaHttpClient` does (eureka-client
 * `shared/transport/decorator/RedirectingEurekaHttpClient.java`): the same request goes again to the `Location`,
 * at most `MAX_REGISTRY_REDIRECTS` (its `MAX_FOLLOWED_REDIRECTS = 10`) times. A registration redirected must stay a
 * registration, so 301, 302, 307 and 308 keep the method and body (Eureka re-sends any request on a 302); only 303
 * ("See Other") becomes a GET without body (RFC 9110 §15.4.4). Credentials go only to the origin they were given
 * for: a redirect to another scheme, host or port drops them, as fetch does for `Authorization` (fetch spec,
 * "HTTP-redirect fetch") — here for every credential header, `X-Consul-Token` included.
 */
export const MAX_REGISTRY_REDIRECTS = 10;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The next hop of a redirect: where to, with which method, and whether credentials may go along. */
export interface RedirectHop {
  readonly url: string;
  readonly method: string;
  readonly keepBody: boolean;
  readonly sameOrigin: boolean;
}

/**
 * The hop a 3xx answer asks for, or undefined when `status` is no redirect or it names no `Location` (the answer
 * is then the caller's to judge). `origin` is the origin the credentials were given for.
 */
export function redirectHop(
  status: number,
  location: string | null,
  from: string,
  method: string,
  origin: string,
): RedirectHop | undefined {
  if (!REDIRECTS.has(status) || !location) return undefined;
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return undefined;
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") return undefined;
  const toGet = status === 303 && method.toUpperCase() !== "HEAD";
  return {
    url: next.href,
    method: toGet ? "GET" : method,
    keepBody: !toGet,
    sameOrigin: next.origin === origin,
  };
}
