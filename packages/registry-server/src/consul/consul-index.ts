import type { Registry } from "../registry.js";
import type { LeaseExpiry } from "./lease-expiry.js";
import type { NodeChecks } from "./node-checks.js";

/**
 * The `X-Consul-Index` values the Consul API answers with, and the wake-up signal of its blocking queries.
 *
 * Each index is 1 (+ a lifetime base in a lone registry, see the constructor) + the registry's version (of all, or of one application; a lease passing its end or coming back
 * moves it too, through `Registry.touch`, so peers exchange it) + the node checks' epoch. Every part only grows, so the index never goes backwards while the
 * server runs; it is at least 1 before anything changed and moves with the first write, so a query held at the
 * index of a fresh registry wakes on the first registration (Consul's rule: an answer whose index is above the query's has
 * changed, agent/blockingquery/blockingquery.go). Node checks count for every service, as in Consul.
 */
export class ConsulIndex {
  /** See `lifetimeBase`. */
  readonly #base: number;

  /**
   * `lifetimeBase` (by default the wall clock in ms when the API starts) is added to every index of a lone
   * registry, so the indexes of one run never meet those of the run before it: a registry keeps no state across a
   * restart and counts its versions from 0 again, so without it a client still holding index N from before the
   * restart (a `consul.watch` retries with its last index) meets a new state that happens to be at N and is held
   * with stale data until the wait ends (hashicorp/consul#2621: Consul's own -dev agent, whose index also restarts).
   * With it, every index of a new run is above every index of an earlier one as long as the earlier run made fewer
   * changes than milliseconds passed between the two starts (fewer than 1 000 changes a second). The client sees
   * its index move forward and re-reads, which every client does, instead of going backwards, which many mishandle.
   * In a cluster the index is the cluster's (merged from peers; see `holdsAt`), so no base is added.
   */
  constructor(
    readonly registry: Registry,
    readonly node: NodeChecks,
    readonly expiry: LeaseExpiry,
    lifetimeBase = 0,
  ) {
    this.#base = lifetimeBase;
  }

  /** What is added to this run's indexes: the lifetime base for a lone registry, nothing in a cluster. */
  #offset(): number {
    return this.registry.clustered ? 1 : 1 + this.#base;
  }

  /** The index of everything (catalog lists, node and state queries). */
  global(): number {
    return this.#offset() + this.registry.version + this.node.epoch;
  }

  /** The index of one service's answers (`/v1/health/service/:s`, `/v1/catalog/service/:s`, ...). */
  service(name: string): number {
    return this.#offset() + this.registry.appIndex(name) + this.node.epoch;
  }

  /** Calls `listener` after anything that may move an index; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    const stops = [this.registry.onChange(listener), this.node.onChange(listener), this.expiry.onChange(listener)];
    return () => {
      for (const stop of stops) stop();
    };
  }
}
