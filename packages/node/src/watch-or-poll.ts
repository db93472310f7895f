import type { Disposable } from "@outrigger/core";
import { type Instancer, isDiscoveryError, type Snapshot } from "@outrigger/discovery";
import { ForwardingInstancer } from "./forwarding-instancer.js";

/** What og learnt of its Eureka registry: `missing` once a watch answered 404 (a stock Eureka server). */
export interface WatchSupport {
  missing: boolean;
}

/**
 * A watch answered 404: the registry has no `/outrigger/watch` route. Read from the message because
 * `@outrigger/discovery`'s RegistryWatchInstancer (registry-watch-instancer.ts, `watchRejected`) carries the status
 * only there; any other status (a 503 of a registry shutting down) is an outage, not a missing route.
 */
function isMissingWatch(error: Error): boolean {
  return (
    isDiscoveryError(error) &&
    error.code === "DISCOVERY_REGISTRY_REJECTED" &&
    /^Watch answered 404:/.test(error.message)
  );
}

/**
 * One service's instancer on an Eureka registry: the Outrigger registry's watch (changes in milliseconds), and,
 * when the watch route answers 404 (a stock Eureka server), Eureka's own protocol instead — `poll()`, a full fetch
 * then deltas at the registry fetch interval, as Eureka's DiscoveryClient does. `support` is shared by every
 * service of one og, so once one watch found the route missing, the next services poll from the start.
 */
export class WatchOrPollInstancer implements Instancer {
  readonly #out = new ForwardingInstancer();
  #source: Instancer;
  #missing: Disposable | undefined;
  readonly onChange = this.#out.onChange;
  readonly onError = this.#out.onError;

  readonly #closed: () => void;

  /** `closed` runs after the instancer in force closed (it destroys their dispatcher). */
  constructor(watch: () => Instancer, poll: () => Instancer, support: WatchSupport, closed: () => void = () => {}) {
    this.#closed = closed;
    if (support.missing) {
      this.#source = poll();
    } else {
      this.#source = watch();
      this.#missing = this.#source.onError((error) => {
        if (!isMissingWatch(error)) return;
        support.missing = true;
        this.#switchTo(poll());
      });
    }
    this.#out.follow(this.#source);
  }

  current(): Snapshot {
    return this.#out.current();
  }

  /** The instancer in force's last failure with no answer since (see `Instancer.failure`). */
  failure(): Error | undefined {
    return this.#source.failure?.();
  }

  /** The instancer in force: the watch, or the poll after a 404 (the control plane follows the watch's policy). */
  get source(): Instancer {
    return this.#source;
  }

  #switchTo(next: Instancer): void {
    this.#missing?.dispose();
    this.#missing = undefined;
    const old = this.#source;
    this.#source = next;
    this.#out.follow(next);
    old.close();
  }

  close(): void {
    this.#missing?.dispose();
    this.#out.close();
    this.#source.close();
    this.#closed();
  }
}
