import { safeMetadata } from "../instance-info.js";
import { badRequest, quoted, typeMismatch } from "./consul-error.js";

/*
 * Consul's limits on a service's metadata (hashicorp/consul agent/structs/structs.go `validateMetadata`,
 * `validateMetaPair`, checked by AgentRegisterService as 400 `Invalid Service Meta: …`): at most 64 pairs, keys of
 * letters, digits, `_` and `-` up to 128 bytes, none starting with the reserved `consul-`, values up to 512 bytes.
 * Clients learn these against Consul (apache/dubbo#3805, Ecwid/consul-api#223: "Value is too long"); a registry that
 * took more would hold metadata no Consul agent of theirs accepts.
 */
const MAX_PAIRS = 64;
const MAX_KEY_BYTES = 128;
const MAX_VALUE_BYTES = 512;
const RESERVED_PREFIX = "consul-";
const KEY = /^[a-zA-Z0-9_-]+$/;

/** What Consul's validateMetaPair says of a pair, or undefined when it takes it. */
function pairProblem(key: string, value: string): string | undefined {
  if (key === "") return "Key cannot be blank";
  if (!KEY.test(key)) return "Key contains invalid characters";
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `Key is too long (limit: ${MAX_KEY_BYTES} characters)`;
  if (key.startsWith(RESERVED_PREFIX)) return `Key prefix '${RESERVED_PREFIX}' is reserved for internal use`;
  if (Buffer.byteLength(value) > MAX_VALUE_BYTES) return `Value is too long (limit: ${MAX_VALUE_BYTES} characters)`;
  return undefined;
}

/**
 * A registration's `Meta`, as Consul decodes (`map[string]string`: another JSON type is Go's decode error) and
 * validates it; absent or null is none. Returns it in an object with no prototype (`safeMetadata`).
 */
export function serviceMeta(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return Object.create(null);
  if (typeof value !== "object" || Array.isArray(value)) throw typeMismatch("Meta", "map[string]string", value);
  const pairs = Object.entries(value as Record<string, unknown>);
  for (const [key, v] of pairs) if (typeof v !== "string") throw typeMismatch(`Meta[${quoted(key, 24)}]`, "string", v);
  if (pairs.length > MAX_PAIRS) {
    throw badRequest(`Invalid Service Meta: more than ${MAX_PAIRS} key/value pairs`, `${pairs.length} pairs sent`);
  }
  for (const [key, v] of pairs) {
    const problem = pairProblem(key, v as string);
    if (problem !== undefined) {
      throw badRequest(
        `Invalid Service Meta: ${problem}`,
        `Couldn't load metadata pair (${quoted(key)}, ${quoted(v as string)}): ${problem}`,
      );
    }
  }
  return safeMetadata(value);
}
