import { XMLBuilder, XMLParser } from "fast-xml-parser";
import type { FastifyInstance } from "fastify";
import { RegistryError } from "./errors.js";

/**
 * Eureka's XML representation (XStream, `eureka-client/.../converters/Converters.java`) is its JSON one with
 * attributes for what the JSON codec (`EurekaJacksonCodec`) writes as `@name` keys and element text for `$`:
 * `<port enabled="true">8080</port>` is `{"$": 8080, "@enabled": "true"}`, `<metadata class="…"/>` is
 * `{"@class": "…"}`. The one renamed element is the override: XML `overriddenstatus`, JSON `overriddenStatus`.
 */
const XML_OPTIONS = { ignoreAttributes: false, attributeNamePrefix: "@", textNodeName: "$" } as const;

/** Elements that repeat: the applications of a document and the instances of an application. */
const REPEATED = new Set(["applications.application", "applications.application.instance", "application.instance"]);

const builder = new XMLBuilder({ ...XML_OPTIONS, suppressEmptyNode: true, suppressBooleanAttributes: false });
const parser = new XMLParser({
  ...XML_OPTIONS,
  // Values stay text, as XStream reads them; the registration reader converts what it needs.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (_name, path) => typeof path === "string" && REPEATED.has(path),
});

/** A valid XML element name (metadata keys become element names). */
const XML_NAME = /^[A-Za-z_][\w.-]*$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Characters XML 1.0 cannot carry at all, not even escaped (its `Char` production: no C0 control but tab, LF, CR;
 * no lone surrogate; no U+FFFE/U+FFFF). One registration holding one of them (JSON allows `\u0000`) would make every
 * XML full fetch unparsable for every client.
 */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text XML can carry: each character it cannot replaced by U+FFFD, as a decoder replaces bytes it cannot read. */
function xmlText(text: string): string {
  return text.replace(NOT_XML_CHAR, "\uFFFD");
}

/** The JSON document with JSON-only names turned into XML ones and keys that cannot be element names left out. */
function toXmlShape(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => toXmlShape(item, key));
  if (typeof value === "string") return xmlText(value);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [name, child] of Object.entries(value)) {
    if (child === undefined) continue;
    if (!name.startsWith("@") && name !== "$" && !XML_NAME.test(name)) continue;
    out[name === "overriddenStatus" && key === "instance" ? "overriddenstatus" : name] = toXmlShape(child, name);
  }
  return out;
}

/** The XML declaration every Eureka XML answer starts with. */
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

/** Eureka's XML for a document in its JSON shape (`{"applications": …}`, `{"application": …}`, `{"instance": …}`). */
export function toEurekaXml(document: unknown): string {
  return `${XML_DECLARATION}${toEurekaXmlFragment(document)}`;
}

/**
 * The XML elements of a JSON-shaped object, without the declaration: `{"instance": …}` gives `<instance>…</instance>`,
 * an object with several keys gives their elements one after another. A whole document is the concatenation of
 * its parts' fragments, which is how the full fetch and delta are assembled from kept per-instance pieces.
 */
export function toEurekaXmlFragment(document: unknown): string {
  return builder.build(toXmlShape(document)) as string;
}

/**
 * Reads an XML body (a registration, `<instance>…</instance>`) into the JSON shape the registration reader takes.
 * A document type declaration is refused: the registry needs none, and entity definitions are a classic way to
 * blow up a parser's memory.
 */
export function parseEurekaXml(text: string): unknown {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new RegistryError("REGISTRY_BAD_REQUEST", "XML bodies must not declare a DOCTYPE or entities");
  }
  try {
    const parsed = parser.parse(text, true) as Json;
    const { "?xml": _declaration, ...document } = parsed;
    return document;
  } catch (error) {
    throw new RegistryError("REGISTRY_BAD_REQUEST", `Malformed XML body: ${(error as Error).message}`);
  }
}

/** Lets `app` read XML request bodies (`application/xml`, `text/xml`) as Eureka does, e.g. registrations. */
export function acceptXmlBodies(app: FastifyInstance): void {
  app.addContentTypeParser(["application/xml", "text/xml"], { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, parseEurekaXml(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
