import type { Registry } from "../registry.js";
import { RunIndex } from "../watch-index.js";
import type { LeaseExpiry } from "./lease-expiry.js";
import type { NodeChecks } from "./node-checks.js";

export { RUN_TAGS } from "../watch-index.js";

/**
 * The `X-Consul-Index` values the Consul API answers with, and the wake-up signal of its blocking queries.
 *
 * The count behind an index is 1 + the registry's version (of all, or of one application; a lease passing its end
 * or coming back moves it too, through `Registry.touch`, so peers exchange it) + the node checks' epoch. Every part
 * only grows, so the index never goes backwards while the server runs; it is at least 1 before anything changed
 * and moves with the first write, so a query held at the index of a fresh registry wakes on the first registration
 * (Consul's rule: an answer whose index is above the query's has changed, agent/blockingquery/blockingquery.go).
 * Node checks count for every service, as in Consul.
 *
 * A count becomes an index by `RunIndex`, the rule Outrigger's watch shares: in a lone registry `count × RUN_TAGS +
 * runTag`, so a restart never hands out an index a client still holds (hashicorp/consul#2621); in a cluster the
 * cluster's merged count.
 */
export class ConsulIndex {
  readonly #index: RunIndex;

  /** `runTag`: the low part of this run's indexes in a lone registry, 0 to `RUN_TAGS` − 1 (taken modulo). */
  constructor(
    readonly registry: Registry,
    readonly node: NodeChecks,
    readonly expiry: LeaseExpiry,
    runTag = 0,
  ) {
    this.#index = new RunIndex(registry, runTag);
  }

  /** The index of everything (catalog lists, node and state queries). */
  global(): number {
    return this.#index.of(1 + this.registry.version + this.node.epoch);
  }

  /** The index of one service's answers (`/v1/health/service/:s`, `/v1/catalog/service/:s`, ...). */
  service(name: string): number {
    return this.#index.of(1 + this.registry.appIndex(name) + this.node.epoch);
  }

  /** Calls `listener` after anything that may move an index; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    const stops = [this.registry.onChange(listener), this.node.onChange(listener), this.expiry.onChange(listener)];
    return () => {
      for (const stop of stops) stop();
    };
  }
}
