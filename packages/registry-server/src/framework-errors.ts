import { redactSecrets } from "@outrigger/core";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/**
 * The longest path parameter (an instance id, a Consul service or check id) the router takes. fastify's default is
 * 100 characters, but neither Eureka nor Consul limits an id's length, so a service registered with a 120-character
 * id could never be renewed by id, deregistered or have its TTL check passed (414). Node refuses a request line
 * longer than its header limit (16 KiB, `http.maxHeaderSize`) with 431 before routing, so at this value the router
 * never refuses a parameter that reached it.
 */
export const MAX_PATH_PARAM_LENGTH = 16 * 1024;

/** The answer to a URL the router cannot take, by code: never the URL itself (it may carry `?token=`). */
const MESSAGES: Readonly<Record<string, readonly [number, string]>> = {
  FST_ERR_BAD_URL: [400, "Malformed URL: a % must start an escape such as %20; encode the path and query"],
  FST_ERR_MAX_PARAM_LENGTH: [414, "A path part is too long: send ids of at most 16 KiB"],
};

/**
 * fastify's `frameworkErrors`: errors it raises before any route or hook runs (a malformed percent escape, an
 * overlong path part). Its own answers quote the whole URL, `?token=` included, into the body; this one answers
 * with the registry's codes — JSON on the Eureka side, Consul's plain text under `/v1` — and no part of the URL.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, message] = MESSAGES[error.code] ?? [400, "Bad request: the URL could not be routed"];
  if (request.raw.url?.startsWith("/v1/")) {
    void reply
      .code(status)
      .header("content-type", "text/plain; charset=utf-8")
      .header("x-outrigger-error-code", "REGISTRY_CONSUL_BAD_REQUEST")
      .send(message);
    return;
  }
  void reply.code(status).send({ code: "REGISTRY_BAD_REQUEST", message });
}

/** An error message as sent to a client: any token, password or URL userinfo it quotes replaced (see core). */
export function safeMessage(message: string): string {
  return redactSecrets(message);
}
