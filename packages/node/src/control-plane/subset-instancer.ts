import { type Disposable, EventSource } from "@outrigger/core";
import type { Instancer, ServiceInstance, Snapshot } from "@outrigger/discovery";

/**
 * The instances of one subset: the service's instancer filtered by the subset's labels, for the balancer a subset
 * with its own traffic policy picks with (as each Istio subset is an Envoy cluster of its own). Follows the source's
 * snapshots and errors; `close()` stops following.
 */
export class SubsetInstancer implements Instancer {
  readonly #changes = new EventSource<Snapshot>();
  readonly #errors = new EventSource<Error>();
  readonly #source: Instancer;
  readonly #subs: Disposable[];
  #accepts: (instance: ServiceInstance) => boolean;
  #snapshot: Snapshot;
  readonly onChange = this.#changes.event;
  readonly onError = this.#errors.event;

  constructor(source: Instancer, accepts: (instance: ServiceInstance) => boolean) {
    this.#source = source;
    this.#accepts = accepts;
    this.#snapshot = this.#filter(source.current());
    this.#subs = [
      source.onChange((snapshot) => this.#publish(this.#filter(snapshot))),
      source.onError((error) => this.#errors.emit(error)),
    ];
  }

  current(): Snapshot {
    return this.#snapshot;
  }

  /** Selects with new labels from now on (a revision changed the subset's definition). */
  select(accepts: (instance: ServiceInstance) => boolean): void {
    this.#accepts = accepts;
    this.#publish(this.#filter(this.#source.current()));
  }

  close(): void {
    for (const sub of this.#subs) sub.dispose();
  }

  #filter(snapshot: Snapshot): Snapshot {
    return { instances: snapshot.instances.filter((instance) => this.#accepts(instance)) };
  }

  #publish(snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    this.#changes.emit(snapshot);
  }
}
