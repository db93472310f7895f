import { parseAllDocuments } from "yaml";
import { isObj, type Obj } from "./field-walker.js";
import { ISTIO_API_VERSIONS, importDestinationRule, importVirtualService } from "./istio.js";
import { PolicyError } from "./policy-error.js";
import type { ServicePolicy } from "./schema.js";
import { SERVICE_NAME } from "./service-name.js";
import { validatePolicy } from "./validate.js";

/** The native document's API version and kind: `spec` is a whole service policy, `metadata.name` the service. */
export const NATIVE_API_VERSION = "outrigger.dev/v1";
export const NATIVE_KIND = "TrafficPolicy";
/** Most documents one apply may carry; more is a mistake or an attack, not a fleet's policy. */
export const MAX_DOCUMENTS = 256;
/** YAML aliases a file may expand (the `yaml` package's guard against "billion laughs"). */
const MAX_ALIASES = 100;

/** What a document sets of a service's policy: all of it (`TrafficPolicy`), its routes or its destination (Istio). */
export type PolicyPart = "spec" | "routes" | "destination";

/** One document of an apply: which service it is for and how it changes that service's policy. */
export interface PolicyDocument {
  readonly service: string;
  readonly part: PolicyPart;
  /** `Kind name` for messages (`VirtualService reviews`). */
  readonly label: string;
  /** The policy after this document, from the one before it. */
  merge(base: ServicePolicy | undefined): unknown;
}

/**
 * What the YAML library throws rather than reports — an alias bomb ("billion laughs": `Excessive alias count`) or
 * nesting deeper than the stack (`RangeError`) — as the 400 it is; it answered 500 `REGISTRY_INTERNAL` before.
 */
function unreadable(error: unknown, where: string): PolicyError {
  const why =
    error instanceof RangeError
      ? "is nested too deeply"
      : `expands too many aliases (at most ${MAX_ALIASES}, a guard against "billion laughs" documents)`;
  return new PolicyError(
    "REGISTRY_POLICY_LIMIT",
    `${where} ${why}: write the policy out without deep nesting or aliases`,
  );
}

function parseYaml(text: string) {
  try {
    return parseAllDocuments(text, { uniqueKeys: true });
  } catch (error) {
    throw unreadable(error, "The YAML");
  }
}

/**
 * Reads YAML or JSON text of one or more documents; refuses bad YAML and unknown kinds, naming the document, and
 * hostile YAML (alias bombs, deep nesting) with `REGISTRY_POLICY_LIMIT`.
 */
export function parsePolicyText(text: string): PolicyDocument[] {
  const docs = parseYaml(text);
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > MAX_DOCUMENTS) {
    throw new PolicyError("REGISTRY_POLICY_LIMIT", `At most ${MAX_DOCUMENTS} documents per apply, got ${list.length}`);
  }
  const out: PolicyDocument[] = [];
  for (const [i, doc] of list.entries()) {
    if (doc.errors.length > 0) {
      throw new PolicyError("REGISTRY_POLICY_INVALID", `Document ${i + 1} is not valid YAML`, [
        doc.errors[0]?.message.split("\n")[0] ?? "",
      ]);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      throw unreadable(error, `Document ${i + 1}`);
    }
    if (value === null || value === undefined) continue;
    out.push(readDocument(value, i + 1));
  }
  return out;
}

/** One parsed document (already plain data: a JSON body or one YAML document). */
export function readDocument(value: unknown, n: number): PolicyDocument {
  if (!isObj(value)) throw new PolicyError("REGISTRY_POLICY_INVALID", `Document ${n} is not an object`);
  const { apiVersion, kind } = value;
  const name = isObj(value.metadata) ? String(value.metadata.name ?? "") : "";
  if (apiVersion === NATIVE_API_VERSION && kind === NATIVE_KIND) {
    if (!SERVICE_NAME.test(name)) {
      throw new PolicyError("REGISTRY_POLICY_INVALID", `Document ${n}: metadata.name must name the service`);
    }
    return { service: name.toUpperCase(), part: "spec", label: `${kind} ${name}`, merge: () => value.spec ?? {} };
  }
  if (ISTIO_API_VERSIONS.includes(apiVersion as (typeof ISTIO_API_VERSIONS)[number])) {
    if (kind === "VirtualService") return istio(value, n, importVirtualService);
    if (kind === "DestinationRule") return istio(value, n, importDestinationRule);
  }
  throw new PolicyError("REGISTRY_POLICY_UNSUPPORTED", `Document ${n}: unsupported kind`, [
    `apiVersion ${String(apiVersion)}, kind ${String(kind)}: send ${NATIVE_API_VERSION} ${NATIVE_KIND}, or ${ISTIO_API_VERSIONS.join(" / ")} VirtualService or DestinationRule`,
  ]);
}

function istio(doc: Obj, n: number, read: typeof importVirtualService): PolicyDocument {
  const imported = read(doc);
  const label = `${String(doc.kind)} ${isObj(doc.metadata) ? String(doc.metadata.name ?? "") : ""}`.trim();
  if (imported.unsupported.length > 0) {
    throw new PolicyError(
      "REGISTRY_POLICY_UNSUPPORTED",
      `Document ${n} (${label}) uses fields Outrigger does not map`,
      imported.unsupported.map((path) => `${path}`),
    );
  }
  if (imported.invalid.length > 0) {
    throw new PolicyError("REGISTRY_POLICY_INVALID", `Document ${n} (${label}) is not valid`, [...imported.invalid]);
  }
  return {
    service: imported.service,
    part: imported.part,
    label,
    merge: (base) => ({ ...base, [imported.part]: imported.value }),
  };
}

/**
 * The policy each service would have after `docs`, in order, on top of `current`: a native document replaces the
 * whole policy, a VirtualService its routes, a DestinationRule its destination. Each result is validated; a problem
 * throws naming the document and the field path, and nothing is applied.
 */
export function planPolicies(
  docs: readonly PolicyDocument[],
  current: (service: string) => ServicePolicy | undefined,
): Map<string, ServicePolicy> {
  const next = new Map<string, { policy: ServicePolicy | undefined; labels: string[] }>();
  for (const doc of docs) {
    const entry = next.get(doc.service) ?? { policy: current(doc.service), labels: [] };
    entry.labels.push(doc.label);
    entry.policy = doc.merge(entry.policy) as ServicePolicy;
    next.set(doc.service, entry);
  }
  return new Map(
    [...next].map(([service, { policy, labels }]) => [
      service,
      validatePolicy(policy, `${service} (${labels.join(", ")}): `),
    ]),
  );
}
