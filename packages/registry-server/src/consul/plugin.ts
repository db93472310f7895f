import type { FastifyError, FastifyPluginCallback } from "fastify";
import { type Clock, systemClock } from "../clock.js";
import type { PeerStatus } from "../context.js";
import { isRegistryError, RegistryError } from "../errors.js";
import { safeMessage } from "../framework-errors.js";
import { authHook } from "../hooks/auth.js";
import type { Registry } from "../registry.js";
import { ConsulAgent } from "./agent.js";
import { agentRoutes } from "./agent-routes.js";
import { agentServiceRoute } from "./agent-service-route.js";
import { waitRoomOf } from "./blocking.js";
import { catalogRoutes } from "./catalog-routes.js";
import { checkRoutes } from "./check-routes.js";
import { badRequest, detailOf } from "./consul-error.js";
import { ConsulIndex } from "./consul-index.js";
import type { ConsulContext } from "./context.js";
import { healthRoutes } from "./health-routes.js";
import { LeaseExpiry } from "./lease-expiry.js";
import { type ConsulNodeOptions, nodeIdentity } from "./node.js";
import { refusedRoutes, unknownEndpoint } from "./refused-routes.js";

/** Settings of the Consul API. */
export interface ConsulRoutesOptions {
  readonly registry: Registry;
  /** The agent running Consul checks; by default one is made and closed with the app. */
  readonly agent?: ConsulAgent;
  /**
   * The write token, when the plugin is registered alone (`buildApp` takes it as its own `token` and guards every
   * route with one hook). Sent as `?token=`, `X-Consul-Token` or `Authorization: Bearer`.
   */
  readonly token?: string;
  readonly clock?: Clock;
  /** Source of blocking-query jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Floor of a check's `DeregisterCriticalServiceAfter` in ms (default 60 000, Consul's). */
  readonly minDeregisterMs?: number;
  /** The node's name and address (default: the host name, and the bind address or 127.0.0.1). */
  readonly node?: ConsulNodeOptions;
  /**
   * The low part of every `X-Consul-Index` of a lone registry, so a restart does not hand out the indexes clients
   * still hold (see `ConsulIndex`). Default: the clock's time at start in ms, modulo `RUN_TAGS` (65 536): two runs
   * get the same tag only when they start a multiple of 65.536 s apart.
   */
  readonly indexRunTag?: number;
  /** The registry's replication peers, listed by `/v1/agent/members` (none when absent). */
  readonly peers?: () => readonly PeerStatus[];
}

/** Fastify's own errors (bad JSON, oversized body) and anything unexpected, as Consul's plain-text answers. */
function toConsulError(error: FastifyError): RegistryError {
  if (isRegistryError(error)) return error;
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new RegistryError("REGISTRY_CONSUL_BAD_REQUEST", "Request body too large: send a smaller body", 413);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return badRequest(`Request decode failed: ${error.message}`);
  return new RegistryError("REGISTRY_CONSUL_INTERNAL", "Internal error", 500, { cause: error });
}

/** Consul ignores Content-Type and reads every body as JSON; an empty body is no body. */
function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`Request decode failed: ${(error as Error).message}`);
  }
}

/**
 * The part of Consul's HTTP API that service discovery uses, served under `/v1` from the same registry as the
 * Eureka API, so Consul clients in any language register and discover here. Register it with `app.register(...)`.
 */
export function consulRoutes(options: ConsulRoutesOptions): FastifyPluginCallback {
  return (app, _options, done) => {
    const clock = options.clock ?? systemClock;
    const agent = options.agent ?? new ConsulAgent({ registry: options.registry, clock });
    const expiry = new LeaseExpiry(options.registry);
    app.addHook("onClose", async () => {
      expiry.close();
      if (!options.agent) agent.close();
    });
    const context: ConsulContext = {
      registry: options.registry,
      agent,
      clock,
      random: options.random ?? Math.random,
      ...(options.minDeregisterMs !== undefined ? { minDeregisterMs: options.minDeregisterMs } : {}),
      node: nodeIdentity(options.node),
      index: new ConsulIndex(options.registry, agent.node, expiry, options.indexRunTag ?? clock.now()),
      peers: options.peers ?? (() => []),
    };
    // Held blocking queries are answered when the app closes (the shutdown hook aborts them first when present).
    app.addHook("onClose", async () => waitRoomOf(context.index).close());

    app.register(
      (v1, _opts, next) => {
        v1.removeAllContentTypeParsers();
        v1.addContentTypeParser("*", { parseAs: "string" }, (_request, body, parsed) => {
          try {
            parsed(null, parseJson(body as string));
          } catch (error) {
            parsed(error as Error, undefined);
          }
        });
        // Used alone (not through buildApp, which guards every route itself), the plugin applies the same check.
        if (options.token) authHook(v1, { token: options.token });
        v1.addHook("onSend", async (_request, reply, payload) => {
          // Every answer carries an index (Consul's Go client refuses a query answer without one) — but a hash-based
          // blocking answer (`X-Consul-ContentHash`), which Consul sends without (api.go parseQueryMeta: "hash based
          // blocking queries don't set this"): an index there would tell an index-watching client to loop on it.
          if (!reply.hasHeader("x-consul-index") && !reply.hasHeader("x-consul-contenthash")) {
            reply.header("x-consul-index", String(context.index.global()));
          }
          reply.header("x-consul-knownleader", "true");
          reply.header("x-consul-lastcontact", "0");
          return payload;
        });
        v1.setErrorHandler((error: FastifyError, request, reply) => {
          const mapped = toConsulError(error);
          // Only a failure of ours is logged: Consul answers some client mistakes 500 too (`notTtlCheck`).
          if (mapped.code === "REGISTRY_CONSUL_INTERNAL") {
            request.log.error({ err: error }, "consul request failed");
          }
          const detail = detailOf.get(mapped);
          if (detail !== undefined) reply.header("x-outrigger-error-detail", safeMessage(detail));
          return reply
            .code(mapped.statusCode)
            .header("content-type", "text/plain; charset=utf-8")
            .header("x-outrigger-error-code", mapped.code)
            .send(safeMessage(mapped.message));
        });
        v1.setNotFoundHandler(async (request) => {
          throw unknownEndpoint(request.method, request.url);
        });
        v1.register(agentRoutes(context));
        v1.register(agentServiceRoute(context));
        v1.register(checkRoutes(context));
        v1.register(healthRoutes(context));
        v1.register(catalogRoutes(context));
        v1.register(refusedRoutes());
        next();
      },
      { prefix: "/v1" },
    );
    done();
  };
}
