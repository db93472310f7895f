import type { ServiceInstance } from "./service-instance.js";

/** Decides whether an instance may receive traffic; instancers publish only the instances it accepts. */
export type InstanceFilter = (instance: ServiceInstance) => boolean;

/** Only instances in state UP: the default of every instancer (STARTING, DOWN, OUT_OF_SERVICE get no traffic). */
export const onlyUp: InstanceFilter = (instance) => instance.status === "UP";

/** Every instance whatever its status, for dashboards and tools that show the whole fleet. */
export const anyStatus: InstanceFilter = () => true;

/** Instances in `zone` (Eureka's `metadata.zone`, a DNS or static entry's `zone`). */
export function inZone(zone: string): InstanceFilter {
  return (instance) => instance.zone === zone;
}

/** Instances whose metadata has every given key with the given value. */
export function withMetadata(match: Readonly<Record<string, string>>): InstanceFilter {
  const entries = Object.entries(match);
  return (instance) => entries.every(([key, value]) => instance.metadata[key] === value);
}

/**
 * Instances carrying every given tag. Tags are Consul's word; in a Eureka registry they are the comma-separated
 * `metadata.tags`, which is where Spring Cloud and our registrars put them.
 */
export function withTags(...tags: readonly string[]): InstanceFilter {
  return (instance) => {
    const own = new Set((instance.metadata.tags ?? "").split(",").map((t) => t.trim()));
    return tags.every((tag) => own.has(tag));
  };
}

/** Instances every filter accepts, e.g. `allOf(onlyUp, inZone("eu-1a"))`. */
export function allOf(...filters: readonly InstanceFilter[]): InstanceFilter {
  return (instance) => filters.every((filter) => filter(instance));
}
