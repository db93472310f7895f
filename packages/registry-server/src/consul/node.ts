import { createHash } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";

/** The Consul node this registry presents itself as: every service it serves sits on this node. */
export interface NodeIdentity {
  /** `Config.NodeName`, every entry's `Node` (Consul's default: the host name). */
  readonly name: string;
  /** A UUID, stable for a name (Consul keeps a random one in its data directory; we have none). */
  readonly id: string;
  /** The node's address (`--advertise`, else the bind address). */
  readonly address: string;
  readonly datacenter: string;
}

/** What an operator may set; the rest is derived. */
export interface ConsulNodeOptions {
  readonly name?: string;
  /** The address other nodes and clients reach this one at (Consul's `-advertise`). */
  readonly address?: string;
  /** The address the server listens on, used when no advertise address is given. */
  readonly bindAddress?: string;
}

/** The Consul version reported to clients that look (agent/self, node meta); the API shapes served are 1.x's. */
export const CONSUL_COMPAT_VERSION = "1.17.0";

/** Consul's only datacenter here: the registry has no WAN federation. */
export const DATACENTER = "dc1";

/** Consul's `-advertise` default for a wildcard bind: the first private IPv4 address (loopback when none). */
function firstPrivateIpv4(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return "127.0.0.1";
}

/** A version-4-shaped UUID derived from the node name, so it stays the same across restarts. */
function nodeId(name: string): string {
  const h = createHash("sha256").update(`outrigger-node:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The node identity from the operator's options, with Consul's defaults (host name, bind or private address). */
export function nodeIdentity(options: ConsulNodeOptions = {}): NodeIdentity {
  const name = options.name || hostname() || "outrigger";
  const bind = options.bindAddress ?? "127.0.0.1";
  const wildcard = bind === "0.0.0.0" || bind === "::" || bind === "";
  return {
    name,
    id: nodeId(name),
    address: options.address || (wildcard ? firstPrivateIpv4() : bind),
    datacenter: DATACENTER,
  };
}
