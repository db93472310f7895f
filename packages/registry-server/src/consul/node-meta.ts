import { CONSUL_COMPAT_VERSION } from "./node.js";

/**
 * The meta Consul's agent holds for its own node when no `-node-meta` is set (agent/agent.go `loadMetadata`): the
 * LAN network segment, `""` for the default one (`structs.MetaSegmentKey`). `/v1/agent/self` shows it as `Meta`.
 */
export const AGENT_META: Readonly<Record<string, string>> = Object.freeze({ "consul-network-segment": "" });

/**
 * The node's meta in the catalog: the agent's, plus the version the leader adds when it registers the node
 * (agent/consul/leader_registrator_v1.go, `structs.MetaConsulVersion`, from 1.15). Shown as the node's `Meta` and
 * an entry's `NodeMeta`, and what `?node-meta=` filters match.
 */
export const NODE_META: Readonly<Record<string, string>> = Object.freeze({
  ...AGENT_META,
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
