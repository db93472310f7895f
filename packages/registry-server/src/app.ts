import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { SecureContextOptions } from "node:tls";
import { redactUrl } from "@outrigger/core";
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from "fastify";
import { type ConnectionLimits, guardConnections, httpServerTimeouts, resolveLimits } from "./connection-limits.js";
import { type ConsulRoutesOptions, consulRoutes } from "./consul/plugin.js";
import type { PeerStatus, ServerContext } from "./context.js";
import { isRegistryError, RegistryError } from "./errors.js";
import { acceptXmlBodies } from "./eureka-xml.js";
import { EventLog } from "./event-log.js";
import { Evictor } from "./evictor.js";
import type { FleetOptions } from "./fleet-hub.js";
import { answerFrameworkError, MAX_PATH_PARAM_LENGTH, safeMessage } from "./framework-errors.js";
import { type AuthOptions, authHook, writeAllowed } from "./hooks/auth.js";
import { gzipHook } from "./hooks/gzip.js";
import { longPollAdmissionHook } from "./hooks/long-poll-admission.js";
import { isClosing, shutdownHook } from "./hooks/shutdown.js";
import { createPolicyService, type PolicyService } from "./policy/policy-service.js";
import { policyRoutes } from "./policy/routes.js";
import { type ReadGate, readGateHook } from "./read-gate.js";
import type { Registry } from "./registry.js";
import { renewFastPath } from "./renew-fast-path.js";
import { ResponseCache } from "./response-cache.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { eurekaReadRoutes } from "./routes/eureka-reads.js";
import { eurekaWriteRoutes } from "./routes/eureka-writes.js";
import { installMetrics } from "./routes/metrics.js";
import { replicationRoutes } from "./routes/replication.js";
import { statusRoutes } from "./routes/status.js";
import { watchRoutes } from "./routes/watch.js";
import { SelfPreservation } from "./self-preservation.js";
import { RunIndex } from "./watch-index.js";

/** Settings of the HTTP application. */
export interface AppOptions extends AuthOptions {
  readonly registry: Registry;
  /** Largest accepted request body in bytes (default 64 KiB); larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Pino log level, or false for no logs (default). */
  readonly logLevel?: string | false;
  /** Self-preservation shown on `/status`; one with Eureka's defaults when absent. */
  readonly selfPreservation?: SelfPreservation;
  /** The evictor whose totals are shown; one without self-preservation when absent. */
  readonly evictor?: Evictor;
  /** Replication health of the peers (none when absent). */
  readonly peers?: () => readonly PeerStatus[];
  /**
   * Settings of the Consul API under `/v1` (agent, clock); it is always served. Its `token` is taken as the app's
   * write token when `token` is not set: one access check guards both protocols.
   */
  readonly consul?: Omit<ConsulRoutesOptions, "registry">;
  /** Header, request and keep-alive timeouts and connection caps of the server (see `ConnectionLimits`). */
  readonly limits?: ConnectionLimits;
  /** Serve HTTPS with this certificate and key (PEM); `server.setSecureContext()` swaps them later. */
  readonly https?: Pick<SecureContextOptions, "cert" | "key">;
  /** The control plane served under `/outrigger/policy` and in watch answers; one is built when absent. */
  readonly policies?: PolicyService;
  /** Bounds of the fleet page's subscriptions to processes (`FleetOptions`; the token is the app's `token`). */
  readonly fleet?: Omit<FleetOptions, "token">;
  /**
   * The low part of every index a lone registry hands out, on the watch and the Consul API, so a restart does not
   * hand out the indexes clients still hold (see `RunIndex`). Default: `consul.indexRunTag`, else the registry
   * clock's time at start in ms, modulo 65 536: two runs get the same tag only when they start a multiple of
   * 65.536 s apart.
   */
  readonly indexRunTag?: number;
  /** Closes registry reads during the start-up sync from peers (`startServer` passes one); absent: always open. */
  readonly readGate?: ReadGate;
}

/** Request log lines without any `?token=` value. */
const logSerializers: NonNullable<Exclude<FastifyServerOptions["logger"], boolean>>["serializers"] = {
  req: (request: { method: string; url: string; hostname?: string; ip?: string }) => ({
    method: request.method,
    url: redactUrl(request.url),
    hostname: request.hostname,
    remoteAddress: request.ip,
  }),
};

/** 64 KiB is far above any real registration (a few hundred bytes) and small enough to refuse floods cheaply. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Maps fastify's own errors (bad JSON, oversized body) to the registry's stable codes. */
function toRegistryError(error: FastifyError): RegistryError {
  if (isRegistryError(error)) return error;
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new RegistryError("REGISTRY_BODY_TOO_LARGE", "Request body is too large: send a smaller body", 413);
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return new RegistryError("REGISTRY_BAD_REQUEST", `Bad request: ${error.message}`, status, { cause: error });
  }
  return new RegistryError("REGISTRY_INTERNAL", "Internal error: see the registry's log", 500, { cause: error });
}

/**
 * Builds the registry's HTTP application without listening, so routes are tested with `inject()`.
 * The Eureka API is served under both `/eureka` and `/eureka/v2`; the dashboard at `/`, metrics at `/metrics`.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { registry } = options;
  const limits = resolveLimits(options.limits);
  // Renewals are answered before the framework (see renew-fast-path.ts); set once the app's parts exist below.
  let fastPath: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Our own server (fastify's `serverFactory`), so the renewal fast path sees each request first. With a logger
    // every request goes through fastify, so each one is logged.
    serverFactory: (handler) => {
      const route = (req: IncomingMessage, res: ServerResponse) => {
        if (!fastPath?.(req, res)) handler(req, res);
      };
      const timeouts = httpServerTimeouts(limits);
      const server = options.https
        ? createHttpsServer({ ...options.https, ...timeouts }, route)
        : createHttpServer(timeouts, route);
      server.keepAliveTimeout = limits.keepAliveTimeoutMs;
      return server;
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    logger: options.logLevel ? { level: options.logLevel, serializers: logSerializers } : false,
    // Eureka clients send app names and ids in any case and some add a trailing slash (`/apps/`).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: answerFrameworkError,
  });
  guardConnections(app.server, limits);
  const selfPreservation = options.selfPreservation ?? new SelfPreservation(registry);
  const policies = options.policies ?? createPolicyService(registry);
  const ctx: ServerContext = {
    registry,
    selfPreservation,
    evictor: options.evictor ?? new Evictor(registry),
    events: new EventLog(registry),
    cache: new ResponseCache(registry),
    peers: options.peers ?? (() => []),
    startedAt: registry.clock.now(),
    policies,
    ...(options.readGate ? { readGate: options.readGate } : {}),
  };
  app.addHook("onClose", async () => {
    ctx.events.close();
    if (!options.policies) policies.close();
    if (!options.selfPreservation) selfPreservation.close();
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = toRegistryError(error);
    if (mapped.statusCode >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(mapped.statusCode).send({ code: mapped.code, message: safeMessage(mapped.message) });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ code: "REGISTRY_NOT_FOUND", message: `No route ${request.method} ${request.url.split("?")[0]}` }),
  );
  // Lenient JSON, as Eureka: an empty body with a JSON content type (some clients send one on renew) is no body;
  // JSON.parse keeps a `__proto__` key as plain data, and metadata is copied into prototype-free objects.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new RegistryError("REGISTRY_BAD_REQUEST", `Malformed JSON body: ${(error as Error).message}`), undefined);
    }
  });
  acceptXmlBodies(app);
  shutdownHook(app);
  longPollAdmissionHook(app, limits);
  const { token: consulToken, ...consulOptions } = options.consul ?? {};
  // One run tag for both APIs' indexes.
  const indexRunTag = options.indexRunTag ?? consulOptions.indexRunTag ?? registry.clock.now();
  const authOptions = { ...options, ...(options.token || !consulToken ? {} : { token: consulToken }) };
  authHook(app, authOptions);
  if (options.readGate) readGateHook(app, options.readGate);
  gzipHook(app);
  const observe = installMetrics(app, ctx);
  if (!options.logLevel) {
    fastPath = renewFastPath({ registry, mayWrite: writeAllowed(authOptions), observe, closing: () => isClosing(app) });
  }
  // One set of read routes for both prefixes, so they share one full-fetch encoder and its kept chunks.
  const reads = eurekaReadRoutes(ctx);
  for (const prefix of ["/eureka", "/eureka/v2"]) {
    app.register(reads, { prefix });
    app.register(eurekaWriteRoutes(ctx), { prefix });
    app.register(statusRoutes(ctx), { prefix });
    app.register(replicationRoutes(ctx), { prefix });
  }
  app.register(watchRoutes(ctx, new RunIndex(registry, indexRunTag)), { prefix: "/outrigger/watch" });
  app.register(policyRoutes(policies), { prefix: "/outrigger/policy" });
  app.register(
    dashboardRoutes(
      ctx,
      { maxStreams: limits.maxDashboardStreams, maxStreamsPerIp: limits.maxDashboardStreamsPerIp },
      // The processes' fleet streams ask for the registry's token (og's `registry.token`).
      { token: authOptions.token, ...options.fleet },
    ),
  );
  // The access hook above guards the Consul API too (answering Consul's 403), so the plugin gets no token.
  app.register(consulRoutes({ peers: ctx.peers, ...consulOptions, indexRunTag, registry }));
  return app;
}
