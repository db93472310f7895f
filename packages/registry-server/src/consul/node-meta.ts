import { CONSUL_COMPAT_VERSION } from "./node.js";

/**
 * The meta Consul's agent gives its own node when no `-node-meta` is set (agent/agent.go `loadMetadata`): the LAN
 * network segment, `""` for the default one, and from 1.15 its version (`structs.MetaSegmentKey`,
 * `structs.MetaConsulVersion`). Shown as the node's `Meta`, an entry's `NodeMeta` and `/v1/agent/self`'s `Meta`.
 */
export const NODE_META: Readonly<Record<string, string>> = Object.freeze({
  "consul-network-segment": "",
  "consul-version": CONSUL_COMPAT_VERSION,
});

/**
 * Whether this node passes a request's `?node-meta=key:value` filters, as Consul reads and applies them: each value
 * is split at its first colon (none: the value is empty), a later pair for a key replaces an earlier one (agent/http.go
 * `parseMetaFilter`, `ParseMetaPair`), and the node must carry every key with exactly that value
 * (`structs.SatisfiesMetaFilters`). No filter passes. This registry is one node, so an answer is whole or empty.
 */
export function passesNodeMeta(value: string | readonly string[] | undefined): boolean {
  if (value === undefined) return true;
  const filters = new Map<string, string>();
  for (const pair of typeof value === "string" ? [value] : value) {
    const colon = pair.indexOf(":");
    if (colon < 0) filters.set(pair, "");
    else filters.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  for (const [key, wanted] of filters) if (!Object.hasOwn(NODE_META, key) || NODE_META[key] !== wanted) return false;
  return true;
}
