import { EventSource } from "@outrigger/core";
import type { Instancer, Snapshot } from "@outrigger/discovery";

const EMPTY: Snapshot = { instances: [] };

/**
 * A stable stand-in for a service's instancer, which comes and goes (made on first use, closed when idle): the
 * undici dispatcher subscribes once per service, and `follow(instancer)` / `follow(undefined)` re-point it. Going
 * to none publishes an empty set, so the dispatcher closes that service's connection pools.
 */
export class ForwardingInstancer implements Instancer {
  readonly #changes = new EventSource<Snapshot>();
  readonly #errors = new EventSource<Error>();
  #source: Instancer | undefined;
  #subs: { dispose(): void }[] = [];
  readonly onChange = this.#changes.event;
  readonly onError = this.#errors.event;

  current(): Snapshot {
    return this.#source?.current() ?? EMPTY;
  }

  /** The followed instancer's last failure with no answer since (see `Instancer.failure`). */
  failure(): Error | undefined {
    return this.#source?.failure?.();
  }

  /** Forwards `source`'s snapshots from now on (none: an empty set). */
  follow(source: Instancer | undefined): void {
    for (const sub of this.#subs) sub.dispose();
    this.#source = source;
    this.#subs = source
      ? [source.onChange((s) => this.#changes.emit(s)), source.onError((e) => this.#errors.emit(e))]
      : [];
    this.#changes.emit(this.current());
  }

  close(): void {
    this.follow(undefined);
  }
}
