import type { FastifyReply, FastifyRequest } from "fastify";
import { toEurekaXml } from "./eureka-xml.js";

/**
 * True when the request's `Accept` names JSON ahead of XML. Eureka's resources produce XML first
 * (`@Produces({"application/xml", "application/json"})` in `InstanceResource`), so
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

/**
 * The collection reads' own rule — `/apps`, `/apps/delta`, `/apps/{APP}`, `/vips/…`, `/svips/…`: JSON when the
 * `Accept` header contains "json" anywhere, else XML (ApplicationsResource.getContainers and
 * getContainerDifferential, ApplicationResource.getApplication, AbstractVIPResource.getVipResponse:
 * `acceptHeader == null || !acceptHeader.contains("json")` → XML). They build the answer themselves, so the
 * `@Produces` order above does not apply: Spring's RestTemplate with Jackson's XML module on the classpath sends
 * `application/xml, text/xml, application/json, …` and gets JSON from Eureka. Compared without case here.
 */
export function collectionWantsJson(request: Pick<FastifyRequest, "headers">): boolean {
  return String(request.headers.accept ?? "")
    .toLowerCase()
    .includes("json");
}

/** Sends a Eureka document (in its JSON shape) as JSON or XML, as the request asks. */
export function sendEurekaDocument(request: FastifyRequest, reply: FastifyReply, document: unknown): FastifyReply {
  reply.header("vary", "accept");
  if (wantsJson(request)) return reply.type("application/json").send(document);
  return reply.type("application/xml").send(toEurekaXml(document));
}
