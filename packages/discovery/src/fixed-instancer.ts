import { EventSource } from "@outrigger/core";
import type { Instancer } from "./instancer.js";
import type { ServiceInstance, Snapshot } from "./service-instance.js";

/** An instancer over a fixed list: the static backend, and the test double for anything that takes an Instancer. */
export class FixedInstancer implements Instancer {
  readonly #changes = new EventSource<Snapshot>();
  readonly #errors = new EventSource<Error>();
  #snapshot: Snapshot;
  readonly onChange = this.#changes.event;
  readonly onError = this.#errors.event;

  constructor(instances: readonly ServiceInstance[]) {
    this.#snapshot = { instances: [...instances] };
  }

  current(): Snapshot {
    return this.#snapshot;
  }

  /** Replaces the list and notifies subscribers, as a backend would on a change. */
  set(instances: readonly ServiceInstance[]): void {
    this.#snapshot = { instances: [...instances] };
    this.#changes.emit(this.#snapshot);
  }

  close(): void {}
}
