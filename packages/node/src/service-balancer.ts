import type { Instancer } from "@outrigger/discovery";
import { type Balancer, LbError, type Pick, type PickOptions, type StatefulBalancer } from "@outrigger/loadbalancer";
import { OutriggerNodeError } from "./errors.js";

/** What a service's balancer reads of its entry (service-clients.ts). */
export interface BalancerHost {
  readonly service: string;
  readonly instancer: Instancer;
  readonly inner: StatefulBalancer;
  readonly waitForInstancesMs: number;
  /** Called on every pick: the entry is in use. */
  touch(): void;
  /** Requests picked and not yet done. */
  active: number;
  /** The first wait ended with no instance ever seen (the registry has no such service). */
  unknown(): void;
}

/** OUTRIGGER_UNKNOWN_SERVICE for `service`, which showed no instance within `waitMs`: says what to check. */
export function unknownServiceError(service: string, waitMs: number): OutriggerNodeError {
  return new OutriggerNodeError(
    "OUTRIGGER_UNKNOWN_SERVICE",
    `No instance of "${service}" is known to the registry after ${waitMs} ms: check the name in lb://${service}/…, that "${service}" has started and registered, and outrigger.registry.url.`,
  );
}

/**
 * The balancer `og` hands to its transports for one service: it counts requests in flight (so an idle close never
 * cuts one), and a first request that finds discovery has not answered yet waits for it (bounded by
 * `waitForInstancesMs` and the request's signal) instead of failing with LB_NO_INSTANCES — lazily made services
 * start empty. A service that never showed an instance is OUTRIGGER_UNKNOWN_SERVICE, which says what to check.
 */
export class ServiceBalancer implements Balancer {
  readonly #host: BalancerHost;
  #seen = false;
  #waiting: Promise<void> | undefined;

  constructor(host: BalancerHost) {
    this.#host = host;
  }

  /** The inner balancer's rule name (telemetry's `outrigger.rule`). */
  get ruleName(): string | undefined {
    return this.#host.inner.ruleName;
  }

  pick(options?: PickOptions): Pick {
    this.#host.touch();
    if (!this.#seen) {
      if (this.#host.instancer.current().instances.length === 0) {
        // The transports call `pick` first and `acquire` only after LB_INSTANCES_BUSY (attempt-step.ts's pickNow:
        // `acquire` waits only when `pick` would say busy), so before discovery's first answer `pick` says busy and
        // the request waits in `acquire` instead of failing with LB_NO_INSTANCES.
        throw new LbError("LB_INSTANCES_BUSY", `waiting for discovery's first answer about "${this.#host.service}"`);
      }
      this.#seen = true;
    }
    return this.#counted(this.#host.inner.pick(options));
  }

  async acquire(options?: PickOptions, signal?: AbortSignal): Promise<Pick> {
    this.#host.touch();
    if (!this.#seen) await this.#firstInstances(signal);
    const inner = this.#host.inner;
    return this.#counted(inner.acquire ? await inner.acquire(options, signal) : inner.pick(options));
  }

  /** The inner balancer's answer: a retry would find an instance not in `avoid` (outlier `countRetriedAttempts`). */
  hasUntried(avoid: ReadonlySet<string>): boolean {
    return this.#host.inner.hasUntried(avoid);
  }

  /** Counts a pick made by another balancer of this service (a subset's own) as in use and in flight. */
  adopt(pick: Pick): Pick {
    this.#host.touch();
    this.#seen = true;
    return this.#counted(pick);
  }

  #counted(pick: Pick): Pick {
    const host = this.#host;
    host.active += 1;
    let done = false;
    return {
      instance: pick.instance,
      done: (outcome) => {
        if (!done) {
          done = true;
          host.active -= 1;
        }
        pick.done(outcome);
      },
    };
  }

  #firstInstances(signal: AbortSignal | undefined): Promise<void> {
    if (this.#host.instancer.current().instances.length > 0) {
      this.#seen = true;
      return Promise.resolve();
    }
    this.#waiting ??= new Promise<void>((resolve, reject) => {
      const { service, instancer, waitForInstancesMs } = this.#host;
      const finish = (error?: Error) => {
        clearTimeout(timer);
        sub.dispose();
        this.#waiting = undefined;
        if (error) reject(error);
        else resolve();
      };
      const sub = instancer.onChange(({ instances }) => {
        if (instances.length === 0) return;
        this.#seen = true;
        finish();
      });
      const timer = setTimeout(() => {
        finish(unknownServiceError(service, waitForInstancesMs));
        this.#host.unknown();
      }, waitForInstancesMs);
      // Not unref'd: a request waits on it, and a request in flight keeps the process alive as a socket would (a
      // script's `await og.fetch(…)` with the registry down would otherwise end the process with nothing settled).
      // It lasts at most waitForInstancesMs.
    });
    if (!signal) return this.#waiting;
    // The request's own signal ends its wait without ending the others'.
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      (this.#waiting as Promise<void>)
        .then(resolve, reject)
        .finally(() => signal.removeEventListener("abort", onAbort));
    });
  }
}
