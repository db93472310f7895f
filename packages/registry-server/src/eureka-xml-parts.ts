import type { ChunkingRules } from "./chunked-gzip.js";
import { type ApplicationsDocument, appsHashCode, FULL_FETCH_CHUNKING, toEurekaInstance } from "./eureka-codec.js";
import { toEurekaXmlFragment, XML_DECLARATION } from "./eureka-xml.js";
import type { Lease } from "./registry-types.js";

/** Instances as XML, kept per lease object (leases are replaced on every change, so an entry never goes stale). */
const fragments = new WeakMap<Lease, Buffer>();

/** One instance's `<instance>…</instance>` bytes, built once per lease object. */
export function instanceXml(lease: Lease): Buffer {
  let bytes = fragments.get(lease);
  if (bytes === undefined) {
    bytes = Buffer.from(toEurekaXmlFragment({ instance: toEurekaInstance(lease) }));
    fragments.set(lease, bytes);
  }
  return bytes;
}

/**
 * An applications document (full fetch or delta) as Eureka's XML in parts — the declaration, version and hash code
 * as its head, then literal element text and leases — byte for byte `toEurekaXml(toEurekaApplications(…))`.
 * Building the whole document with the XML library took about 300 ms for 10 000 instances on every registry
 * change, on the event loop, while heartbeats waited (bench/read-load.bench.ts, XML delta pollers); in parts, only
 * the changed instances are built and the chunk encoder keeps the rest.
 */
export function xmlApplicationsDocument(
  apps: ReadonlyMap<string, readonly Lease[]>,
  version: number,
  hashCode = appsHashCode(apps),
): ApplicationsDocument {
  const head = `${XML_DECLARATION}<applications>${toEurekaXmlFragment({ versions__delta: String(version), apps__hashcode: hashCode })}`;
  const parts: (string | Lease)[] = [];
  for (const [name, leases] of apps) {
    parts.push(`<application>${toEurekaXmlFragment({ name })}`);
    for (const lease of leases) parts.push(lease);
    parts.push("</application>");
  }
  parts.push("</applications>");
  return { head, parts };
}

/** The full fetch's chunk boundaries, with instances encoded as XML. */
export const XML_CHUNKING: ChunkingRules<Lease> = { ...FULL_FETCH_CHUNKING, encode: instanceXml };
