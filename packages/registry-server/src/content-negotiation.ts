import type { FastifyReply, FastifyRequest } from "fastify";
import { toEurekaXml } from "./eureka-xml.js";

/**
 * True when the request's `Accept` names JSON ahead of XML. Eureka's resources produce XML first
 * (`@Produces({"application/xml", "application/json"})` in `ApplicationsResource`, `InstanceResource`), so
 * without an `Accept`, with `*∕*` or with XML first the answer is XML; Eureka's Java, Spring and JavaScript
 * clients ask for JSON.
 */
export function wantsJson(request: Pick<FastifyRequest, "headers">): boolean {
  const accept = String(request.headers.accept ?? "").toLowerCase();
  const json = accept.indexOf("json");
  if (json < 0) return false;
  const xml = accept.indexOf("xml");
  return xml < 0 || json < xml;
}

/** Sends a Eureka document (in its JSON shape) as JSON or XML, as the request asks. */
export function sendEurekaDocument(request: FastifyRequest, reply: FastifyReply, document: unknown): FastifyReply {
  reply.header("vary", "accept");
  if (wantsJson(request)) return reply.type("application/json").send(document);
  return reply.type("application/xml").send(toEurekaXml(document));
}
