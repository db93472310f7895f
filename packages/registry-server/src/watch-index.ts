import type { Registry } from "./registry.js";

/**
 * How many runs of a lone registry the low part of its indexes tells apart: 2^16, so an index is `count × 65 536 +
 * run tag` and stays a safe integer for 2^37 changes (see `RunIndex`).
 */
export const RUN_TAGS = 65_536;

/**
 * The numbers a registry hands out as the index of a long poll: Consul's `X-Consul-Index` and Outrigger's
 * `X-Outrigger-Index`, one rule for both.
 *
 * In a lone registry an index is `count × RUN_TAGS + runTag`, `count` being how many changes the registry (or one of
 * its applications) has seen. A registry keeps no state across a restart and counts from 0 again, so a plain count
 * would hand out, after a restart, the very numbers clients still hold: a client held at N meets a new state that
 * happens to be at N and is held on data it never saw until its wait ends, and a client comparing indexes takes the
 * new content for the old (hashicorp/consul#2621: Consul's own -dev agent, whose index also restarts). With a run
 * tag a new run's indexes differ from the old run's (the tags differ), and, as the count starts over, they go
 * backwards, which Consul's docs tell clients to take as "start over" (hashicorp/consul#5358) and Outrigger's
 * `RegistryWatchInstancer` and `ConsulInstancer` take as a restart (their restart grace).
 *
 * In a cluster the index is the plain count: peers merge it into one never-decreasing number (`Registry.mergeIndex`,
 * see `holdsAt`), which a tag of one peer's run would break.
 */
export class RunIndex {
  readonly #registry: Registry;
  readonly #runTag: number;

  /** `runTag`: the low part of this run's indexes in a lone registry, 0 to `RUN_TAGS` − 1 (taken modulo). */
  constructor(registry: Registry, runTag: number) {
    this.#registry = registry;
    this.#runTag = ((Math.floor(runTag) % RUN_TAGS) + RUN_TAGS) % RUN_TAGS;
  }

  /** The registry whose changes are counted. */
  get registry(): Registry {
    return this.#registry;
  }

  /** The index of `count` changes: the count itself in a cluster, with this run's tag in a lone registry. */
  of(count: number): number {
    return this.#registry.clustered ? count : count * RUN_TAGS + this.#runTag;
  }

  /** The watch index of one application (`X-Outrigger-Index`): its count is the registry's `appIndex`. */
  app(name: string): number {
    return this.of(this.#registry.appIndex(name));
  }
}
