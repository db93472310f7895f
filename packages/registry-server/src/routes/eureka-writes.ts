import type { FastifyPluginCallback, FastifyRequest } from "fastify";
import { sendEurekaDocument } from "../content-negotiation.js";
import type { ServerContext } from "../context.js";
import { notFound, RegistryError } from "../errors.js";
import { toEurekaInstance } from "../eureka-codec.js";
import { type InstanceStatus, isInstanceStatus, parseRegistration, safeMetadata } from "../instance-info.js";
import { type RegisterMessage, registryChannels } from "../registry-channels.js";
import type { RenewOutcome, StatusWriteOptions, WriteOrigin } from "../registry-types.js";

/** Eureka's header on writes forwarded by a peer; such writes are never replicated again. */
export const REPLICATION_HEADER = "x-netflix-discovery-replication";

interface Params {
  app: string;
  id: string;
}

interface RenewQuery {
  status?: string | string[];
  overriddenstatus?: string | string[];
  lastDirtyTimestamp?: string | string[];
  value?: string | string[];
}

/** The write's origin from Eureka's replication header. */
export function originOf(request: FastifyRequest): WriteOrigin {
  return request.headers[REPLICATION_HEADER] === "true" ? "replication" : "local";
}

/** A query parameter given once; a repeated one (`?status=UP&status=DOWN`) is a 400, not a crash. */
function once(value: string | string[] | undefined, name: string): string | undefined {
  if (!Array.isArray(value)) return value;
  throw new RegistryError("REGISTRY_BAD_REQUEST", `${name} was given ${value.length} times: send it once`);
}

/** A status parameter (`?value=`, `?status=`, a batch task's `status`): one of Eureka's five, any case; 400 else. */
export function statusParam(raw: string | string[] | undefined, name: string): InstanceStatus | undefined {
  const value = once(raw, name);
  if (value === undefined || value === "") return undefined;
  const upper = value.toUpperCase();
  if (!isInstanceStatus(upper)) {
    throw new RegistryError(
      "REGISTRY_BAD_REQUEST",
      `${name} must be one of UP, DOWN, STARTING, OUT_OF_SERVICE, UNKNOWN; got "${value}"`,
    );
  }
  return upper;
}

/**
 * A heartbeat's `?status=` or `?overriddenstatus=`: Eureka's InstanceResource.renewLease never parses `status` and
 * reads `overriddenstatus` only for a replicated renewal its dirty timestamp refuses, so a value it does not know (or
 * a repeated one: the first counts, as JAX-RS reads it) is ignored here — never a 400, after which a client stops
 * renewing and its lease runs out.
 */
function renewalStatus(raw: string | string[] | undefined): InstanceStatus | undefined {
  const upper = (Array.isArray(raw) ? raw[0] : raw)?.toUpperCase();
  return upper !== undefined && isInstanceStatus(upper) ? upper : undefined;
}

/** A `lastDirtyTimestamp` given once, as a whole number of ms; 400 else. */
export function timestampParam(raw: string | string[] | undefined): number | undefined {
  const value = once(raw, "lastDirtyTimestamp");
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw new RegistryError("REGISTRY_BAD_REQUEST", `lastDirtyTimestamp must be a number, got "${value}"`);
  return n;
}

/** A status write's origin and, from a peer, its `lastDirtyTimestamp`. */
function statusWrite(request: FastifyRequest<{ Querystring: RenewQuery }>): StatusWriteOptions {
  const sent = timestampParam(request.query.lastDirtyTimestamp);
  return { origin: originOf(request), ...(sent !== undefined ? { lastDirtyTimestamp: sent } : {}) };
}

/** What a renewal is answered with: a status, a Eureka document (409 only), and for a 404 its headers. */
export interface RenewAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The HTTP answer to a renewal outcome, as Eureka's InstanceResource.renewLease gives it: 200, 404 (register
 * again), or 409 with our copy. The 404 has **no body**, as Eureka's (`Response.status(NOT_FOUND).build()`): the
 * Java client's sendHeartBeat (AbstractJerseyEurekaHttpClient, Spring's RestTemplateEurekaHttpClient) reads any body
 * that is not HTML as an InstanceInfo, so a JSON error body threw before its 404 → register branch and the instance
 * never came back after a registry restart (spring-cloud/spring-cloud-netflix#4145, #4153; Netflix/eureka#914). The
 * stable code and why travel in headers, as on the Consul side.
 */
export function renewAnswer(outcome: RenewOutcome): RenewAnswer {
  if (outcome.kind === "ok") return { status: 200 };
  if (outcome.kind === "conflict") return { status: 409, body: { instance: toEurekaInstance(outcome.lease) } };
  const why = outcome.kind === "not-found" ? "not registered" : "the client holds a newer copy";
  return {
    status: 404,
    headers: { "x-outrigger-error-code": "REGISTRY_NOT_FOUND", "x-outrigger-error-detail": `${why}: register again` },
  };
}

/** Eureka's write API: register, renew, cancel, status override and metadata. */
export function eurekaWriteRoutes(ctx: ServerContext): FastifyPluginCallback {
  const { registry } = ctx;
  return (app, _options, done) => {
    app.post<{ Params: Pick<Params, "app"> }>("/apps/:app", async (request, reply) => {
      const startedAt = performance.now();
      const info = parseRegistration(request.body, request.params.app, registry.clock.now());
      const origin = originOf(request);
      const outcome = registry.registerChecked(info, origin);
      if (registryChannels.register.hasSubscribers) {
        const { app, instanceId: id } = info;
        const message: RegisterMessage = {
          app,
          id,
          origin,
          outcome: outcome.kind,
          headers: request.headers,
          startedAt,
        };
        registryChannels.register.publish(message);
      }
      // A peer's copy written before our cancel of the instance (only a stamped one, from the batch route).
      if (outcome.kind === "cancelled") return reply.code(404).send();
      // A peer's copy older than ours is not applied: 409 with ours, so the peer adopts it.
      if (outcome.kind === "conflict") {
        return sendEurekaDocument(request, reply.code(409), { instance: toEurekaInstance(outcome.lease) });
      }
      return reply.code(204).send();
    });

    app.put<{ Params: Params; Querystring: RenewQuery }>("/apps/:app/:id", async (request, reply) => {
      const { app: name, id } = request.params;
      const overriddenStatus = renewalStatus(request.query.overriddenstatus);
      const status = renewalStatus(request.query.status);
      const outcome = registry.renewChecked(name, id, {
        ...(status ? { status } : {}),
        ...(overriddenStatus ? { overriddenStatus } : {}),
        ...(request.query.lastDirtyTimestamp !== undefined
          ? { lastDirtyTimestamp: timestampParam(request.query.lastDirtyTimestamp) }
          : {}),
        origin: originOf(request),
      });
      const answer = renewAnswer(outcome);
      // A 409 carries our instance, a Eureka document (JSON or XML, as asked); other answers have no body.
      if (answer.status === 409) return sendEurekaDocument(request, reply.code(409), answer.body);
      return reply
        .code(answer.status)
        .headers(answer.headers ?? {})
        .send();
    });

    app.delete<{ Params: Params }>("/apps/:app/:id", async (request, reply) => {
      if (!registry.cancel(request.params.app, request.params.id, originOf(request))) {
        throw notFound(`Instance ${request.params.id} is not registered`);
      }
      return reply.code(200).send();
    });

    app.put<{ Params: Params; Querystring: RenewQuery }>("/apps/:app/:id/status", async (request, reply) => {
      const value = statusParam(request.query.value, "value");
      if (!value)
        throw new RegistryError("REGISTRY_BAD_REQUEST", "Status override needs ?value=<status>, e.g. OUT_OF_SERVICE");
      const updated = registry.setStatusOverride(request.params.app, request.params.id, value, statusWrite(request));
      if (!updated) throw notFound(`Instance ${request.params.id} is not registered`);
      return reply.code(200).send();
    });

    app.delete<{ Params: Params; Querystring: RenewQuery }>("/apps/:app/:id/status", async (request, reply) => {
      // Eureka's InstanceResource.deleteStatusUpdate: the status becomes `value`, UNKNOWN when absent (what Java,
      // Spring and Python clients send); the next heartbeat is then answered 404 and the client registers again.
      const value = statusParam(request.query.value, "value") ?? "UNKNOWN";
      const updated = registry.deleteStatusOverride(request.params.app, request.params.id, value, statusWrite(request));
      if (!updated) throw notFound(`Instance ${request.params.id} is not registered`);
      return reply.code(200).send();
    });

    app.put<{ Params: Params }>("/apps/:app/:id/metadata", async (request, reply) => {
      const added = safeMetadata(request.query);
      const updated = registry.update(
        request.params.app,
        request.params.id,
        (info) => ({ ...info, metadata: Object.assign(Object.create(null), info.metadata, added) }),
        originOf(request),
      );
      if (!updated) throw notFound(`Instance ${request.params.id} is not registered`);
      return reply.code(200).send();
    });
    done();
  };
}
