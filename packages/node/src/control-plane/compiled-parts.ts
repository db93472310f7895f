/**
 * The parts a revision was compiled into (checked settings, subset views, routes, pipelines), each filed under the
 * content it was built from, so the next revision takes every part whose content did not change as it is — the
 * same object, a subset's bulkhead still counting the calls in flight — and builds only the rest. Envoy does the
 * same per cluster and per route table: an update whose hash matches the running config changes nothing
 * (envoy include/envoy/upstream/cluster_manager.h `addOrUpdateCluster`; source/common/rds/
 * route_config_update_receiver_impl.cc). Only one revision back is kept: `seal()` drops the previous one's parts.
 */
export class CompiledParts {
  #previous: ReadonlyMap<string, unknown>;
  readonly #parts = new Map<string, unknown>();

  /** Parts for a new revision, reusing those of `previous` (the revision in force) whose content is the same. */
  constructor(previous?: CompiledParts) {
    this.#previous = previous ? previous.#parts : new Map();
  }

  /**
   * The part of `kind` built from `content` (a string that changes whenever anything the part is built from
   * changes, e.g. their JSON): the previous revision's when it had one from the same content, else `make()`'s.
   */
  get<T>(kind: string, content: string, make: () => T): T {
    const key = `${kind}\u0000${content}`;
    if (this.#parts.has(key)) return this.#parts.get(key) as T;
    const part = this.#previous.has(key) ? (this.#previous.get(key) as T) : make();
    this.#parts.set(key, part);
    return part;
  }

  /** The revision is built: the previous revision's parts it did not take are no longer held. */
  seal(): this {
    this.#previous = new Map();
    return this;
  }
}
