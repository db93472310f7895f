import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginCallback } from "fastify";
import { type ConsulRoutesOptions, consulRoutes } from "./consul/plugin.js";
import { isRegistryError, RegistryError } from "./errors.js";
import { toEurekaApplication, toEurekaApplications, toEurekaDelta } from "./eureka-codec.js";
import { parseRegistration } from "./instance-info.js";
import type { Registry } from "./registry.js";
import { parseWait, waitForAppChange } from "./watch.js";

/** Settings of the HTTP application. */
export interface AppOptions {
  readonly registry: Registry;
  /** Largest accepted request body in bytes (default 64 KiB); larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Pino log level, or false for no logs (default). */
  readonly logLevel?: string | false;
  /** Settings of the Consul API under `/v1` (token, agent, clock); it is always served. */
  readonly consul?: Omit<ConsulRoutesOptions, "registry">;
}

/** 64 KiB is far above any real registration (a few hundred bytes) and small enough to refuse floods cheaply. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

interface AppParams {
  app: string;
  id: string;
}

function eurekaRoutes(registry: Registry): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get("/apps", async () => toEurekaApplications(registry.applications(), registry.version));

    app.get("/apps/delta", async () =>
      toEurekaDelta(registry.recentChanges(), registry.applications(), registry.version),
    );

    app.get<{ Params: Pick<AppParams, "app"> }>("/apps/:app", async (request) => {
      const name = request.params.app.toUpperCase();
      const leases = registry.application(name);
      if (leases.length === 0)
        throw new RegistryError("REGISTRY_NOT_FOUND", `Application ${name} is not registered`, 404);
      return { application: toEurekaApplication(name, leases) };
    });

    app.post<{ Params: Pick<AppParams, "app"> }>("/apps/:app", async (request, reply) => {
      const info = parseRegistration(request.body, request.params.app, Date.now());
      registry.register(info);
      return reply.code(204).send();
    });

    app.put<{ Params: AppParams }>("/apps/:app/:id", async (request, reply) => {
      if (!registry.renew(request.params.app, request.params.id)) {
        throw new RegistryError(
          "REGISTRY_NOT_FOUND",
          `Instance ${request.params.id} of ${request.params.app.toUpperCase()} is not registered: register it again`,
          404,
        );
      }
      return reply.code(200).send();
    });

    app.delete<{ Params: AppParams }>("/apps/:app/:id", async (request, reply) => {
      if (!registry.cancel(request.params.app, request.params.id)) {
        throw new RegistryError("REGISTRY_NOT_FOUND", `Instance ${request.params.id} is not registered`, 404);
      }
      return reply.code(200).send();
    });
    done();
  };
}

/**
 * Outrigger's watch for one application, a long poll: `GET /outrigger/watch/apps/{APP}?index=N&wait=30s` answers
 * as soon as the application changes past index N (at once when N differs from the current index), else when the
 * wait ends. The body is `{"application": {"name", "instance": [...]}}` (the array may be empty) and the
 * `X-Outrigger-Index` header carries the index to send next.
 */
function watchRoutes(registry: Registry): FastifyPluginCallback {
  return (app, _options, done) => {
    app.get<{ Params: Pick<AppParams, "app">; Querystring: { index?: string; wait?: string } }>(
      "/apps/:app",
      async (request, reply) => {
        const name = request.params.app.toUpperCase();
        const index = request.query.index === undefined ? -1 : Number(request.query.index);
        const waitMs = parseWait(request.query.wait);
        if (!Number.isInteger(index) || waitMs === undefined) {
          throw new RegistryError("REGISTRY_BAD_REQUEST", "Watch needs a whole-number index and a wait like 30s");
        }
        const left = new AbortController();
        request.raw.once("close", () => left.abort());
        await waitForAppChange(registry, name, index, waitMs, left.signal);
        reply.header("x-outrigger-index", String(registry.appIndex(name)));
        return { application: toEurekaApplication(name, registry.application(name)) };
      },
    );
    done();
  };
}

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
  return new RegistryError("REGISTRY_BAD_REQUEST", "Internal error", 500, { cause: error });
}

/**
 * Builds the registry's HTTP application without listening, so routes are tested with `inject()`.
 * The Eureka API is served under both `/eureka` and `/eureka/v2`.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logger: options.logLevel ? { level: options.logLevel } : false,
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = toRegistryError(error);
    if (mapped.statusCode >= 500) request.log.error({ err: error }, "request failed");
    return reply.code(mapped.statusCode).send({ code: mapped.code, message: mapped.message });
  });
  app.register(eurekaRoutes(options.registry), { prefix: "/eureka" });
  app.register(eurekaRoutes(options.registry), { prefix: "/eureka/v2" });
  app.register(watchRoutes(options.registry), { prefix: "/outrigger/watch" });
  app.register(consulRoutes({ ...options.consul, registry: options.registry }));
  return app;
}
