import type { Registry } from "../registry.js";
import type { LeaseExpiry } from "./lease-expiry.js";
import type { NodeChecks } from "./node-checks.js";

/**
 * The `X-Consul-Index` values the Consul API answers with, and the wake-up signal of its blocking queries.
 *
 * Each index is 1 + the registry's version (of all, or of one application; a lease passing its end or coming back
 * moves it too, through `Registry.touch`, so peers exchange it) + the node checks' epoch. Every part only grows, so the index never goes backwards while the
 * server runs; it is 1 before anything changed and above 1 after the first write, so a query held at index 1 on a
 * fresh registry wakes on the first registration (Consul's rule: an answer whose index is above the query's has
 * changed, agent/blockingquery/blockingquery.go). Node checks count for every service, as in Consul.
 */
export class ConsulIndex {
  constructor(
    readonly registry: Registry,
    readonly node: NodeChecks,
    readonly expiry: LeaseExpiry,
  ) {}

  /** The index of everything (catalog lists, node and state queries). */
  global(): number {
    return 1 + this.registry.version + this.node.epoch;
  }

  /** The index of one service's answers (`/v1/health/service/:s`, `/v1/catalog/service/:s`, ...). */
  service(name: string): number {
    return 1 + this.registry.appIndex(name) + this.node.epoch;
  }

  /** Calls `listener` after anything that may move an index; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    const stops = [this.registry.onChange(listener), this.node.onChange(listener), this.expiry.onChange(listener)];
    return () => {
      for (const stop of stops) stop();
    };
  }
}
