import type { ServiceInstance } from "@outrigger/discovery";

/** Instances without a zone are grouped under this name. */
export const NO_ZONE = "";

/** Groups instances by zone, keeping their order. */
export function byZone(instances: readonly ServiceInstance[]): Map<string, ServiceInstance[]> {
  const zones = new Map<string, ServiceInstance[]>();
  for (const i of instances) {
    const zone = i.zone ?? NO_ZONE;
    const list = zones.get(zone);
    if (list) list.push(i);
    else zones.set(zone, [i]);
  }
  return zones;
}
