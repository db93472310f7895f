import type { Registry } from "../registry.js";
import type { LeaseExpiry } from "./lease-expiry.js";
import type { NodeChecks } from "./node-checks.js";

/**
 * How many runs of a lone registry the low part of its indexes tells apart: 2^16, so an index is `count × 65 536 +
 * run tag` and stays a safe integer for 2^37 changes (see `ConsulIndex`).
 */
export const RUN_TAGS = 65_536;

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
 * In a lone registry the index is `count × RUN_TAGS + runTag`. A registry keeps no state across a restart and
 * counts from 1 again, so a plain count would hand out, after a restart, the very numbers clients still hold: a
 * client held at N (a `consul.watch` retries with its last index) would meet a new state that happens to be at N
 * and be held on data it never saw until the wait ends (hashicorp/consul#2621: Consul's own -dev agent, whose index
 * also restarts). With a run tag the new run's indexes differ from the old run's (the tags differ; see the plugin's
 * default), and, as the count starts over, they go backwards, which Consul's docs tell clients to take as "start
 * over" (hashicorp/consul#5358) and which Outrigger's `ConsulInstancer` takes as a restart (its restart grace). In a
 * cluster the index is the cluster's, merged from peers (see `holdsAt`), and is the plain count.
 */
export class ConsulIndex {
  readonly #runTag: number;

  /** `runTag`: the low part of this run's indexes in a lone registry, 0 to `RUN_TAGS` − 1 (taken modulo). */
  constructor(
    readonly registry: Registry,
    readonly node: NodeChecks,
    readonly expiry: LeaseExpiry,
    runTag = 0,
  ) {
    this.#runTag = ((Math.floor(runTag) % RUN_TAGS) + RUN_TAGS) % RUN_TAGS;
  }

  /** The index of a count: the count itself in a cluster, with this run's tag in a lone registry. */
  #index(count: number): number {
    return this.registry.clustered ? count : count * RUN_TAGS + this.#runTag;
  }

  /** The index of everything (catalog lists, node and state queries). */
  global(): number {
    return this.#index(1 + this.registry.version + this.node.epoch);
  }

  /** The index of one service's answers (`/v1/health/service/:s`, `/v1/catalog/service/:s`, ...). */
  service(name: string): number {
    return this.#index(1 + this.registry.appIndex(name) + this.node.epoch);
  }

  /** Calls `listener` after anything that may move an index; returns a function that stops it. */
  onChange(listener: () => void): () => void {
    const stops = [this.registry.onChange(listener), this.node.onChange(listener), this.expiry.onChange(listener)];
    return () => {
      for (const stop of stops) stop();
    };
  }
}
