import type { FastifyPluginCallback } from "fastify";
import type { RegistryError } from "../errors.js";
import { detailOf, notFound, short, unsupported } from "./consul-error.js";

/**
 * Consul features this registry refuses on purpose, each with the reason sent in `X-Outrigger-Error-Detail` (the
 * README's Consul section says the same). It is a service registry shared with Eureka, not a Consul server: it
 * has no replicated key/value store, no sessions or locks, no event bus, no ACL system beyond one token, and
 * runs no commands on the host.
 */
const REFUSED: readonly { readonly prefix: string; readonly why: string }[] = [
  { prefix: "/kv", why: "no key/value store: keep configuration in files (see @outrigger/config)" },
  { prefix: "/txn", why: "no key/value store, so no transactions over it" },
  { prefix: "/session", why: "no sessions or locks: they need a consensus store this registry does not have" },
  { prefix: "/event", why: "no user event bus" },
  { prefix: "/acl", why: "no ACL system: the registry checks one shared token (--token)" },
  { prefix: "/query", why: "no prepared queries: use /v1/health/service/:service with ?passing and ?tag" },
  { prefix: "/snapshot", why: "no raft snapshots: the registry's state is rebuilt by re-registration" },
  { prefix: "/operator", why: "no raft or autopilot to operate" },
  { prefix: "/connect", why: "no service mesh (Connect): the Outrigger SDK balances and secures in process" },
  { prefix: "/config", why: "no configuration entries (they configure Connect)" },
  { prefix: "/coordinate", why: "no network coordinates" },
  { prefix: "/catalog/register", why: "register with PUT /v1/agent/service/register" },
  { prefix: "/catalog/deregister", why: "deregister with PUT /v1/agent/service/deregister/:id" },
  { prefix: "/agent/join", why: "membership is static: peers are set with --peer at start" },
  { prefix: "/agent/force-leave", why: "membership is static: remove a peer from --peer and restart" },
  { prefix: "/agent/leave", why: "stop the registry with SIGTERM instead" },
  { prefix: "/agent/reload", why: "no configuration files to reload: restart with new options" },
];

/** Routes of refused features answer 501 with `unsupported endpoint: /v1/<family>`. */
export function refusedRoutes(): FastifyPluginCallback {
  return (app, _options, done) => {
    // A refused call's body (a KV value, a transaction) is read but never decoded: the answer is the refusal.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, _body, parsed) => parsed(null, undefined));
    for (const { prefix, why } of REFUSED) {
      const refuse = async (): Promise<never> => {
        throw unsupported(`/v1${prefix}`, why);
      };
      app.all(prefix, refuse);
      app.all(`${prefix}/*`, refuse);
    }
    done();
  };
}

/** A 404 for a path this registry does not know, in Consul's plain text and short. */
export function unknownEndpoint(method: string, url: string): RegistryError {
  const error = notFound(short(`unsupported endpoint: ${method} ${url.split("?")[0]}`));
  detailOf.set(error, "not a Consul endpoint this registry serves: see its README, section Consul API");
  return error;
}
