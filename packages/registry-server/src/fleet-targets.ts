import type { Registry } from "./registry.js";

/** The registration metadata key of a process's fleet stream (`createFleetStream` in @outrigger/telemetry). */
export const FLEET_STREAM_METADATA = "outrigger.fleet-stream";

/** A process that advertises a fleet stream. */
export interface FleetTarget {
  /** `APP/instanceId`. */
  readonly key: string;
  /** The application it registered as: the caller of the edges it reports. */
  readonly caller: string;
  readonly instanceId: string;
  readonly url: string;
}

/** `"<port><path>"`: a port, then an absolute path of plain URL characters. */
const ADVERTISED = /^([0-9]{1,5})(\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*)$/;

/** A host name or an IP address, nothing that could change the URL's meaning. */
const HOST = /^[A-Za-z0-9.:-]{1,253}$/;

/**
 * The processes advertising a fleet stream, at most `max` (by key order, so the set is stable), each at the address
 * it registered (its IP, else its host name) and the advertised port: the registry connects to nothing a process
 * did not register as its own address. A value that does not parse is skipped.
 */
export function fleetTargets(registry: Registry, max: number): { targets: FleetTarget[]; skipped: number } {
  const targets: FleetTarget[] = [];
  let skipped = 0;
  for (const [app, leases] of registry.applications()) {
    for (const lease of leases) {
      const advertised = lease.info.metadata[FLEET_STREAM_METADATA];
      if (advertised === undefined) continue;
      const match = ADVERTISED.exec(advertised);
      const port = Number(match?.[1]);
      const host = lease.info.ipAddr || lease.info.hostName;
      if (!match || port < 1 || port > 65_535 || !HOST.test(host)) {
        skipped += 1;
        continue;
      }
      const hostPart = host.includes(":") ? `[${host}]` : host;
      targets.push({
        key: `${app}/${lease.info.instanceId}`,
        caller: app,
        instanceId: lease.info.instanceId,
        url: `http://${hostPart}:${port}${match[2]}`,
      });
    }
  }
  targets.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { targets: targets.slice(0, max), skipped: skipped + Math.max(0, targets.length - max) };
}
