import { DiscoveryError } from "./errors.js";
import { InstanceCache, type InstanceCacheOptions } from "./instance-cache.js";
import type { Instancer } from "./instancer.js";
import type { InstanceStatus, ServiceInstance, Snapshot } from "./service-instance.js";

/** One instance as written in config: `"host:port"`, or an object with at least `host` and `port`. */
export type StaticEntry =
  | string
  | {
      readonly host: string;
      readonly port: number | string;
      readonly id?: string;
      readonly secure?: boolean;
      readonly zone?: string;
      readonly weight?: number;
      /** Priority level, lowest first (default 0): e.g. 1 for backup instances, used when no level-0 one is. */
      readonly priority?: number;
      readonly status?: InstanceStatus;
      readonly metadata?: Readonly<Record<string, string>>;
    };

const statuses: ReadonlySet<string> = new Set(["UP", "DOWN", "STARTING", "OUT_OF_SERVICE", "UNKNOWN"]);

function invalid(service: string, index: number, why: string): DiscoveryError {
  return new DiscoveryError(
    "DISCOVERY_INVALID_OPTION",
    `Static instance #${index} of "${service}" ${why}: write "host:port" or { "host": "10.0.0.1", "port": 8080 }`,
  );
}

/** Reads one config entry; throws DISCOVERY_INVALID_OPTION naming the entry when it is not usable. */
function toInstance(service: string, entry: unknown, index: number): ServiceInstance {
  const raw =
    typeof entry === "string"
      ? { host: entry.slice(0, entry.lastIndexOf(":")), port: entry.slice(entry.lastIndexOf(":") + 1) }
      : entry;
  if (typeof raw !== "object" || raw === null) throw invalid(service, index, "is neither a string nor an object");
  const e = raw as Record<string, unknown>;
  const host = typeof e.host === "string" ? e.host.replace(/^\[(.*)\]$/, "$1") : "";
  const port = Number(e.port);
  if (!host) throw invalid(service, index, "has no host");
  // A host is a name or an address, never a URL: userinfo ("user:pw@10.0.0.1") would put a secret in the instance
  // id, and so in every error message and metric label that names the instance. Not echoed back.
  if (/[@/?#\s]/.test(host)) throw invalid(service, index, "has a host with credentials, a path or spaces");
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid(service, index, `has port "${e.port}"`);
  const status = e.status === undefined ? "UP" : String(e.status);
  if (!statuses.has(status)) throw invalid(service, index, `has status "${status}"`);
  if (e.priority !== undefined && !(Number.isInteger(e.priority) && (e.priority as number) >= 0)) {
    throw invalid(service, index, `has priority "${String(e.priority)}" (a whole number, 0 or more)`);
  }
  return {
    id: typeof e.id === "string" ? e.id : `${host}:${port}`,
    service,
    host,
    port,
    secure: e.secure === true,
    status: status as InstanceStatus,
    metadata: { ...((e.metadata as Record<string, string> | undefined) ?? {}) },
    ...(typeof e.zone === "string" ? { zone: e.zone } : {}),
    ...(typeof e.weight === "number" ? { weight: e.weight } : {}),
    ...(typeof e.priority === "number" && e.priority > 0 ? { priority: e.priority } : {}),
  };
}

/** Parses a config list of instances; all or nothing, so a typo never half-replaces a fleet. */
export function parseStaticEntries(service: string, entries: unknown): ServiceInstance[] {
  if (!Array.isArray(entries)) {
    throw new DiscoveryError("DISCOVERY_INVALID_OPTION", `Static instances of "${service}" must be a list`);
  }
  return entries.map((entry, index) => toInstance(service, entry, index));
}

/**
 * The static backend: instances written in config (e.g. `services.orders.instances` read with
 * `@outrigger/config`). `set()` takes a new list when the config reloads; a bad list is refused whole with
 * DISCOVERY_INVALID_OPTION and the previous one keeps serving.
 */
export class StaticInstancer implements Instancer {
  readonly #service: string;
  readonly #cache: InstanceCache;
  readonly onChange;
  readonly onError;

  constructor(service: string, entries: unknown, options: InstanceCacheOptions = {}) {
    this.#service = service;
    this.#cache = new InstanceCache(options);
    this.onChange = this.#cache.onChange;
    this.onError = this.#cache.onError;
    this.#cache.update(parseStaticEntries(service, entries));
  }

  current(): Snapshot {
    return this.#cache.current();
  }

  /** The backend's last failure when it has not answered since (see `Instancer.failure`). */
  failure(): Error | undefined {
    return this.#cache.failure();
  }

  /** Replaces the list (a config reload); throws on a bad list and keeps the previous one. */
  set(entries: unknown): void {
    try {
      this.#cache.update(parseStaticEntries(this.#service, entries));
    } catch (error) {
      this.#cache.fail(error as Error);
      throw error;
    }
  }

  close(): void {
    this.#cache.close();
  }
}
