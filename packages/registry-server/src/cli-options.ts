import { parseArgs } from "node:util";
import { RegistryError } from "./errors.js";
import type { ServerOptions } from "./server.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * How an option's text becomes its value: as is, a whole number, whole seconds turned into milliseconds, a
 * fraction between 0 and 1, on/off, a flag, or a repeatable list (comma-separated in its environment variable).
 */
type Kind = "text" | "int" | "seconds" | "fraction" | "onoff" | "flag" | "list";

/** One command-line option, its environment variable, the server option it sets and its help line. */
interface OptionSpec {
  readonly flag: string;
  readonly env: string;
  readonly key: keyof ServerOptions;
  readonly kind: Kind;
  readonly help: string;
}

const specs: readonly OptionSpec[] = [
  { flag: "port", key: "port", kind: "int", help: "port to listen on (default 8761; 0 picks a free one)" },
  { flag: "host", key: "host", kind: "text", help: "address to listen on (default 127.0.0.1)" },
  {
    flag: "lease-duration",
    key: "defaultLeaseDurationMs",
    kind: "seconds",
    help: "lease in seconds for registrations that name none (default 90)",
  },
  {
    flag: "eviction-interval",
    key: "evictionIntervalMs",
    kind: "seconds",
    help: "seconds between evictions of expired leases (default 60)",
  },
  {
    flag: "wait-when-sync-empty",
    key: "waitTimeInMsWhenSyncEmpty",
    kind: "seconds",
    help: "seconds reads are refused after a start that copied no instance from a peer (default 0; Eureka: 300)",
  },
  {
    flag: "peer",
    key: "peers",
    kind: "list",
    help: "a peer registry's /eureka URL to replicate to and sync from (repeatable; env: comma-separated)",
  },
  {
    flag: "token",
    key: "token",
    kind: "text",
    help: "write token (writes and reads); with any token set every route needs one; sent to peers",
  },
  { flag: "read-token", key: "readToken", kind: "text", help: "a token that may only read" },
  {
    flag: "anonymous-read",
    key: "anonymousRead",
    kind: "flag",
    help: "let requests without a token read (default: a token is needed once one is set)",
  },
  {
    flag: "protect-reads",
    key: "protectReads",
    kind: "flag",
    help: "kept for old scripts: reads need a token by default now (see --anonymous-read)",
  },
  { flag: "tls-cert", key: "tlsCert", kind: "text", help: "PEM certificate file: serve HTTPS (reloaded on change)" },
  { flag: "tls-key", key: "tlsKey", kind: "text", help: "PEM private key file of --tls-cert (reloaded on change)" },
  {
    flag: "tls-watch-interval",
    key: "tlsWatchIntervalMs",
    kind: "seconds",
    help: "seconds between checks of the TLS files for a rotation (default 2)",
  },
  {
    flag: "owner-timeout",
    key: "ownerTimeoutMs",
    kind: "seconds",
    help: "seconds without renewals from a Consul service's owning node before peers report it critical (default 30)",
  },
  {
    flag: "self-preservation",
    key: "selfPreservation",
    kind: "onoff",
    help: "on or off: suspend eviction when renews fall below the threshold (default on)",
  },
  {
    flag: "renewal-threshold",
    key: "renewalPercentThreshold",
    kind: "fraction",
    help: "fraction of expected renews that keeps self-preservation off; also caps evictions per run (default 0.85)",
  },
  {
    flag: "protection-threshold",
    key: "protectionThreshold",
    kind: "fraction",
    help: "never evict from a service whose live share is below this fraction (default 0: off)",
  },
  {
    flag: "node-name",
    key: "nodeName",
    kind: "text",
    help: "this node's name: the Consul API's node (agent/self, every entry's Node) and the owner of services registered through it (default: the host name; owner <hostname>:<port>)",
  },
  {
    flag: "advertise",
    key: "advertise",
    kind: "text",
    help: "the address the Consul API reports for this node (default: the --host address)",
  },
  {
    flag: "policy-dir",
    key: "policyDir",
    kind: "text",
    help: "GitOps: a directory of traffic-policy YAML files (a ConfigMap mount) applied at start and on change",
  },
  { flag: "body-limit", key: "bodyLimit", kind: "int", help: "largest request body in bytes (default 65536)" },
  {
    flag: "max-dashboard-streams",
    key: "maxDashboardStreams",
    kind: "int",
    help: "dashboard event streams open at once; more get 429 (default 64)",
  },
  {
    flag: "max-dashboard-streams-per-ip",
    key: "maxDashboardStreamsPerIp",
    kind: "int",
    help: "dashboard event streams from one address; more get 429 (default 8)",
  },
  {
    flag: "max-long-polls",
    key: "maxLongPolls",
    kind: "int",
    help: "held long polls (Consul blocking queries, watches, dashboard streams) at once; more get 429 (default 8000; 0: no cap)",
  },
  {
    flag: "max-long-polls-per-client",
    key: "maxLongPollsPerClient",
    kind: "int",
    help: "held long polls from one client (address + token) at once; more get 429 (default 200, Consul's; 0: no cap)",
  },
  {
    flag: "delta-max-entries",
    key: "maxDeltaEntries",
    kind: "int",
    help: "most changes the apps/delta window keeps, oldest dropped first (default 10000)",
  },
  {
    flag: "check-deregister-min",
    key: "checkDeregisterMinMs",
    kind: "seconds",
    help: "floor in seconds of a Consul check's DeregisterCriticalServiceAfter (default 60, Consul's)",
  },
  {
    flag: "headers-timeout",
    key: "headersTimeoutMs",
    kind: "seconds",
    help: "seconds a connection has to send a request's headers, else it is closed (default 10)",
  },
  {
    flag: "request-timeout",
    key: "requestTimeoutMs",
    kind: "seconds",
    help: "seconds a request's headers and body have to arrive, else 408 (default 30; 0: none)",
  },
  {
    flag: "keep-alive-timeout",
    key: "keepAliveTimeoutMs",
    kind: "seconds",
    help: "seconds an idle keep-alive connection stays open (default 72)",
  },
  {
    flag: "max-connections",
    key: "maxConnections",
    kind: "int",
    help: "connections open at once; more are closed at once; keep below ulimit -n (default 10000; 0: no cap)",
  },
  {
    flag: "max-connections-per-ip",
    key: "maxConnectionsPerIp",
    kind: "int",
    help: "connections open at once from one client address (default 1024; 0: no cap)",
  },
  {
    flag: "log-level",
    key: "logLevel",
    kind: "text",
    help: "fatal, error, warn, info, debug or trace (default: no request logs)",
  },
].map((spec) => ({ ...spec, env: `OUTRIGGER_REGISTRY_${spec.flag.toUpperCase().replace(/-/g, "_")}` }) as OptionSpec);

function invalid(spec: OptionSpec, what: string, value: string): RegistryError {
  return new RegistryError("REGISTRY_INVALID_OPTION", `--${spec.flag} must be ${what}, got "${value}"`);
}

function convert(spec: OptionSpec, value: string | boolean | string[]): unknown {
  if (spec.kind === "list") {
    const items = Array.isArray(value) ? value : String(value).split(",");
    return items.map((s) => s.trim()).filter((s) => s !== "");
  }
  if (spec.kind === "flag") return value === true || value === "true" || value === "1";
  if (typeof value !== "string") throw invalid(spec, "a value", String(value));
  if (spec.kind === "text") return value;
  if (spec.kind === "onoff") {
    if (value === "on" || value === "true") return true;
    if (value === "off" || value === "false") return false;
    throw invalid(spec, "on or off", value);
  }
  if (spec.kind === "fraction") {
    const f = Number(value);
    if (value.trim() === "" || !(f >= 0 && f <= 1)) throw invalid(spec, "a fraction between 0 and 1", value);
    return f;
  }
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new RegistryError("REGISTRY_INVALID_OPTION", `--${spec.flag} must be a whole number, got "${value}"`);
  }
  return spec.kind === "seconds" ? n * 1000 : n;
}

/** The `--help` text: every option with its environment variable. */
export function helpText(): string {
  const lines = specs.map((s) => `  --${s.flag.padEnd(20)} ${s.help}\n  ${"".padEnd(22)} env: ${s.env}`);
  return `Usage: outrigger-registry [options]\n\nA Eureka-compatible service registry.\n\nOptions:\n${lines.join("\n")}\n  --help                 show this text\n`;
}

/** Reads options from the command line, falling back to environment variables. */
export function parseCliOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { help: true } | { help: false; options: ServerOptions } {
  const flags: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = { help: { type: "boolean" } };
  for (const spec of specs) {
    flags[spec.flag] =
      spec.kind === "flag"
        ? { type: "boolean" }
        : { type: "string", ...(spec.kind === "list" ? { multiple: true } : {}) };
  }
  const { values } = parseArgs({ args: [...argv], options: flags, strict: true });
  const given = values as Record<string, string | boolean | string[] | undefined>;
  if (given.help) return { help: true };
  const options: Mutable<ServerOptions> = {};
  for (const spec of specs) {
    const value = given[spec.flag] ?? env[spec.env];
    if (value !== undefined) (options as Record<string, unknown>)[spec.key] = convert(spec, value);
  }
  return { help: false, options };
}
