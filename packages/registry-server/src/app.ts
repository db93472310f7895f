import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginCallback } from "fastify";
import { isRegistryError, RegistryError } from "./errors.js";
import { toEurekaApplication, toEurekaApplications } from "./eureka-codec.js";
import { parseRegistration } from "./instance-info.js";
import type { Registry } from "./registry.js";

/** Settings of the HTTP application. */
export interface AppOptions {
  readonly registry: Registry;
  /** Largest accepted request body in bytes (default 64 KiB); larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Pino log level, or false for no logs (default). */
  readonly logLevel?: string | false;
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
  return app;
}
