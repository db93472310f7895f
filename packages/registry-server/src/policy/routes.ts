import type { FastifyPluginCallback, FastifyReply } from "fastify";
import { RegistryError } from "../errors.js";
import { withHeaderKey } from "./carried-report.js";
import { parsePolicyText, planPolicies, readDocument } from "./documents.js";
import { PolicyError } from "./policy-error.js";
import type { PolicyService } from "./policy-service.js";
import { MAX_POLICY_BYTES, policyTooLarge } from "./policy-size.js";
import { decodePolicyText } from "./policy-text.js";
import { serviceName } from "./service-name.js";
import { notFound, type PolicyRecord } from "./store.js";
import { validatePolicy } from "./validate.js";

/** Header carrying the store's (global) policy revision on every policy answer. */
export const POLICY_REVISION_HEADER = "x-outrigger-policy-revision";

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/plain"];

type ServiceParams = { Params: { service: string } };

/** The policy writes take `MAX_POLICY_BYTES`, as `apply -f` and a policy file; every other route the app's limit. */
const POLICY_BODY = { bodyLimit: MAX_POLICY_BYTES };

/** What one service's policy would become in an apply, for `diff` and the apply's answer. */
export interface PlannedChange {
  readonly service: string;
  readonly changed: boolean;
  readonly fromRevision: number | null;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * The control plane's REST API under `/outrigger/policy`: `GET /` (every service's current record), `GET|PUT|DELETE
 * /services/{SERVICE}`, `GET /services/{SERVICE}/history`, `POST /services/{SERVICE}/rollback` (`{"revision": N}`),
 * `POST /apply` (YAML or JSON, native or Istio, many documents; `?dryRun=true` only plans), `POST /reports` (an SDK
 * process's ACK/NACK; read scope, as a watch) and `GET /reports`. Writes need the write token.
 */
export function policyRoutes(policies: PolicyService): FastifyPluginCallback {
  const { store, reports } = policies;
  const answer = (reply: FastifyReply, body: unknown): unknown => {
    reply.header(POLICY_REVISION_HEADER, String(store.revision));
    return body;
  };
  const current = (service: string): PolicyRecord => {
    const record = store.get(service);
    if (!record || record.policy === null) throw notFound(service.toUpperCase());
    return record;
  };
  return (app, _options, done) => {
    // Scoped to this plugin: YAML bodies are read as text here only.
    // Decoded strictly, JSON as YAML: a byte that is not UTF-8 is refused, never stored as U+FFFD in a header value.
    app.addContentTypeParser(YAML_TYPES, { parseAs: "buffer" }, (_request, body, next) => {
      try {
        next(null, decodePolicyText(body as Buffer));
      } catch (error) {
        next(error as Error);
      }
    });
    app.removeContentTypeParser("application/json");
    app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, next) => {
      let text: string;
      try {
        text = decodePolicyText(body as Buffer);
      } catch (error) {
        return next(error as Error);
      }
      // As the registry's own JSON parser: an empty body is no body.
      if (text.trim() === "") return next(null, undefined);
      try {
        next(null, JSON.parse(text));
      } catch (error) {
        next(new RegistryError("REGISTRY_BAD_REQUEST", `Malformed JSON body: ${(error as Error).message}`));
      }
    });
    app.setErrorHandler((thrown, request, reply) => {
      // A policy write (the routes with POLICY_BODY) over its limit says so as the CLI and a policy file do.
      const policyWrite = request.method === "PUT" || request.routeOptions.url?.endsWith("/apply") === true;
      const error =
        policyWrite && (thrown as { code?: string }).code === "FST_ERR_CTP_BODY_TOO_LARGE" ? policyTooLarge() : thrown;
      if (error instanceof PolicyError) {
        return reply.code(error.statusCode).send({ code: error.code, message: error.message, issues: error.issues });
      }
      throw error;
    });
    app.get("/", async (_request, reply) =>
      answer(reply, { revision: store.revision, services: store.list().filter((r) => r.policy !== null) }),
    );
    app.get<ServiceParams>("/services/:service", async (request, reply) =>
      answer(reply, current(request.params.service)),
    );
    app.get<ServiceParams>("/services/:service/history", async (request, reply) => {
      const revisions = store.history(request.params.service);
      if (revisions.length === 0) throw notFound(request.params.service.toUpperCase());
      return answer(reply, { service: request.params.service.toUpperCase(), revisions });
    });
    app.put<ServiceParams>("/services/:service", POLICY_BODY, async (request, reply) => {
      const service = serviceName(request.params.service, "The path's {SERVICE}");
      return answer(reply, store.put(service, validatePolicy(request.body ?? {})));
    });
    app.delete<ServiceParams>("/services/:service", async (request, reply) => {
      const service = serviceName(request.params.service, "The path's {SERVICE}");
      current(service);
      return answer(reply, store.put(service, null));
    });
    app.post<ServiceParams & { Body: { revision?: unknown } }>(
      "/services/:service/rollback",
      async (request, reply) => {
        const revision = request.body?.revision;
        if (!Number.isSafeInteger(revision)) {
          throw new PolicyError("REGISTRY_POLICY_INVALID", 'Rollback needs {"revision": N}, a revision from history');
        }
        const service = serviceName(request.params.service, "The path's {SERVICE}");
        return answer(reply, store.rollback(service, revision as number));
      },
    );
    app.post<{ Querystring: { dryRun?: unknown } }>("/apply", POLICY_BODY, async (request, reply) => {
      // Strict, as Kubernetes' `dryRun`: `?dryRun=1` meant a dry run and applied for real.
      const { dryRun } = request.query;
      if (dryRun !== undefined && dryRun !== "true" && dryRun !== "false") {
        throw new PolicyError("REGISTRY_POLICY_INVALID", 'dryRun must be "true" or "false"; nothing was applied');
      }
      const body = request.body;
      const docs =
        typeof body === "string"
          ? parsePolicyText(body)
          : (Array.isArray(body) ? body : [body]).map((doc, i) => readDocument(doc, i + 1));
      const planned = planPolicies(docs, (service) => store.get(service)?.policy ?? undefined);
      const changes: PlannedChange[] = [...planned].map(([service, after]) => {
        const now = store.get(service);
        const before = now?.policy ?? null;
        return {
          service,
          changed: JSON.stringify(before) !== JSON.stringify(after),
          fromRevision: now?.revision ?? null,
          before,
          after,
        };
      });
      if (dryRun === "true") return answer(reply, { dryRun: true, changes });
      store.assertRoom([...planned.keys()]);
      // Validated as a whole above, so every service's write below succeeds or the apply changed nothing.
      const applied = [...planned].map(([service, policy]) => store.put(service, policy));
      return answer(reply, { dryRun: false, changes, records: applied.map((a) => a.record) });
    });
    app.post("/reports", { config: { scope: "read" } }, async (request, reply) =>
      answer(reply, reports.record(withHeaderKey(request.body, request.headers))),
    );
    app.get("/reports", async (_request, reply) => answer(reply, { reports: reports.all() }));
    done();
  };
}
