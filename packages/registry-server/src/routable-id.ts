import { RegistryError } from "./errors.js";

/**
 * The longest instance id, application name, Consul service ID or check ID the registry takes, in bytes once
 * percent-encoded as it travels in a URL path: 4 KiB.
 *
 * Every such id later sits in a request line — a Eureka renew is `PUT /eureka/apps/{app}/{id}?status=UP&
 * lastDirtyTimestamp=…`, a Consul deregister `PUT /v1/agent/service/deregister/{id}`, a TTL pass
 * `PUT /v1/agent/check/pass/service:{id}` — and Node's HTTP parser refuses a request whose request line and headers
 * pass `http.maxHeaderSize` (16 KiB by default, nodejs.org/api/http.html) with 431 before any route runs. Eureka
 * itself sets no length (Netflix/eureka `InstanceInfo` takes any string) and so accepts ids that its own container
 * then cannot route (Tomcat's `maxHttpHeaderSize`, 8 KiB; Netflix/eureka#796 is an instance nobody could delete
 * through its URL). 4 KiB for the id plus 4 KiB for the app name leave half of Node's 16 KiB to the method, query
 * and headers (tokens, proxies' additions), so an id accepted here can always be renewed and removed.
 */
export const MAX_ROUTABLE_ID_BYTES = 4_096;

/** A UTF-16 surrogate without its pair: no UTF-8 for it, so a URL carries U+FFFD in its place. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The bytes `id` takes in a URL path (`encodeURIComponent`: a non-ASCII character costs up to 12; a lone
 * surrogate, which a URL carries as U+FFFD, 9).
 */
export function encodedIdBytes(id: string): number {
  return encodeURIComponent(id.replace(LONE_SURROGATE, "\ufffd")).length;
}

/**
 * Returns `id` when a URL can carry it; otherwise refuses the registration up front with 400
 * `REGISTRY_ID_TOO_LONG` naming `field`, so nothing is stored that later renews, deregistrations or check updates
 * could never reach (they would get Node's 431 instead).
 */
export function routableId(id: string, field: string): string {
  const bytes = encodedIdBytes(id);
  if (bytes <= MAX_ROUTABLE_ID_BYTES) return id;
  return refuse(`${field} too long for a URL: ${bytes} bytes, at most ${MAX_ROUTABLE_ID_BYTES} percent-encoded`);
}

function refuse(message: string): never {
  throw new RegistryError("REGISTRY_ID_TOO_LONG", message, 400);
}
