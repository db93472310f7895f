import { isLbUrl, parseLbUrl } from "@outrigger/loadbalancer";
import { createLbAxios, type LbAxiosInstance } from "@outrigger/loadbalancer/axios";
import { type AttemptPolicy, createLbDispatcher, type LbDispatcher } from "@outrigger/loadbalancer/undici";
import type { ControlPlane } from "./control-plane/control-plane.js";
import { discoveryFirst } from "./discovery-first.js";
import { addAxiosFallback, type FallbackOf, fetchWithFallback } from "./fallback.js";
import type { ServiceClients } from "./service-clients.js";
import { guardDispatcher, urlRefusal } from "./url-guard.js";

/**
 * The URL `og.fetch` hands to `fetch`: `lb://service/path` parsed exactly as `og.http` parses it (LB_INVALID_URL,
 * redacted, for a port, userinfo or a name outside a DNS label — never a host resolved through DNS), then written
 * `http://service/path`, the form the dispatcher balances (fetch takes only http(s) URLs). Any other URL with
 * userinfo, or one that does not parse, is OUTRIGGER_INVALID_URL, redacted (url-guard.ts).
 */
function fetchUrl(input: string | URL): string {
  const url = String(input);
  if (!isLbUrl(url)) {
    const refused = urlRefusal(url, "og.fetch");
    if (refused) throw refused;
    return url;
  }
  const { service, path } = parseLbUrl(url);
  return `http://${service}${path}`;
}

/** og's three ways to call a service: the undici dispatcher, `og.http` (axios) and `og.fetch`. */
export interface OgTransports {
  readonly dispatcher: LbDispatcher;
  /** og.http; og.close() closes it (its own lb dispatcher and pools) after the drain. */
  readonly http: LbAxiosInstance;
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
}

/**
 * The transports over the services' balancers and pipelines, each under the control plane's routing (the call's
 * subset, its route pipeline), with the fallback answering for the whole call around them.
 */
export function createTransports(
  clients: ServiceClients,
  controlPlane: ControlPlane,
  fallbackOf: FallbackOf,
): OgTransports {
  const balancer = (name: string) => controlPlane.balancer(name, clients.balancer(name), () => clients.instancer(name));
  // One wrapper per pipeline object: the dispatcher keeps a service's route while its policy is the same object.
  const firstWaits = new WeakMap<AttemptPolicy, AttemptPolicy>();
  const policy = (name: string) => {
    const routed = controlPlane.policy(name, clients.policy(name));
    let made = firstWaits.get(routed);
    if (!made) {
      made = discoveryFirst(clients.balancer(name), routed);
      firstWaits.set(routed, made);
    }
    return made;
  };
  const dispatcher = guardDispatcher(
    createLbDispatcher({ balancer, instancer: (name) => clients.instancer(name), policy }),
  );
  const http = createLbAxios({ balancer, instancer: (name) => clients.instancer(name), policy });
  // Routes inside, the fallback around them: a fault abort or a failed route is what a fallback answers for.
  controlPlane.routeAxios(http);
  // The fallback answers for the whole call, around the lb transports (policy-parts.ts says why not inside them).
  addAxiosFallback(http, fallbackOf);
  const fetchBalanced = fetchWithFallback(
    (url, init) => controlPlane.fetch(url, init, (to, given) => fetch(to, { ...given, dispatcher } as RequestInit)),
    fallbackOf,
  );
  return { dispatcher, http, fetch: async (input, init) => fetchBalanced(fetchUrl(input), init) };
}
