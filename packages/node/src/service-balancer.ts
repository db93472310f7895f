import { abortable, redactSecrets } from "@outrigger/core";
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
  /** The service's `timeout.totalMs` now: a call's first wait for discovery ends by then (undefined: none). */
  callBudgetMs(): number | undefined;
}

/** What OUTRIGGER_UNKNOWN_SERVICE's message asks the caller to check. */
const toCheck = (service: string) =>
  `check the name in lb://${service}/…, that "${service}" has started and registered, and outrigger.registry.url.`;

/**
 * OUTRIGGER_UNKNOWN_SERVICE for `service`, which showed no instance within `waitMs` (`clients.waitForInstancesMs`);
 * `rememberedMs`: the name is refused from the negative cache (`clients.unknownServiceCacheMs`) for that much longer,
 * with no lookup made for this call. Says what to check.
 */
export function unknownServiceError(service: string, waitMs: number, rememberedMs?: number): OutriggerNodeError {
  const when =
    rememberedMs === undefined
      ? `after ${waitMs} ms`
      : `a moment ago, within ${waitMs} ms; the answer is remembered (clients.unknownServiceCacheMs) for ${Math.ceil(rememberedMs)} ms more, and no lookup was made for this request`;
  return new OutriggerNodeError(
    "OUTRIGGER_UNKNOWN_SERVICE",
    `No instance of "${service}" was known to the registry ${when}: ${toCheck(service)}`,
  );
}

/**
 * OUTRIGGER_REGISTRY_UNREACHABLE for a first wait that ended with the registry failing and no answer from it: the
 * service may well exist, so nothing is remembered. The registry's error, redacted, says why (not kept as `cause`:
 * a transport's own error may carry the URL as written, userinfo and all).
 */
function unreachableError(service: string, waitMs: number, failure: Error): OutriggerNodeError {
  return new OutriggerNodeError(
    "OUTRIGGER_REGISTRY_UNREACHABLE",
    `The registry did not answer about "${service}" within ${waitMs} ms (${redactSecrets(failure.message)}): check outrigger.registry.url and that the registry runs; nothing is remembered, the next request looks again.`,
  );
}

/**
 * `shared`, or OUTRIGGER_UNKNOWN_SERVICE for this call alone (nothing remembered) when its own time, `budgetMs`
 * (timeout.totalMs), runs out first.
 */
function withinBudget(shared: Promise<void>, budgetMs: number, service: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new OutriggerNodeError(
          "OUTRIGGER_UNKNOWN_SERVICE",
          `No instance of "${service}" was known to the registry within this call's ${budgetMs} ms (timeout.totalMs), while discovery's first answer was awaited: ${toCheck(service)}`,
        ),
      );
    }, budgetMs);
    shared.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

/**
 * The balancer `og` hands to its transports for one service: it counts requests in flight (so an idle close never
 * cuts one), and a first request that finds discovery has not answered yet waits for it (bounded by
 * `waitForInstancesMs`, the call's `timeout.totalMs` and the request's signal) instead of failing with
 * LB_NO_INSTANCES — lazily made services start empty. The transports wait once per call before its first attempt
 * (`firstInstances`, through `discoveryFirst`), so a per-try timeout never ends it. A service that never showed an
 * instance is OUTRIGGER_UNKNOWN_SERVICE, which says what to check.
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
    if (!this.#seen) await this.firstInstances(signal);
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

  /**
   * Undefined once discovery has shown an instance of the service (every call after the first few); else the wait
   * for its first answer: one shared wait (`waitForInstancesMs`, after which the name is OUTRIGGER_UNKNOWN_SERVICE and
   * remembered as unknown), which this call leaves early when `signal` aborts (with its reason) or after the call's
   * `timeout.totalMs` (OUTRIGGER_UNKNOWN_SERVICE for this call only: nothing is remembered).
   */
  firstInstances(signal?: AbortSignal): Promise<void> | undefined {
    if (this.#seen) return undefined;
    if (this.#host.instancer.current().instances.length > 0) {
      this.#seen = true;
      return undefined;
    }
    const shared = this.#sharedWait();
    const budgetMs = this.#host.callBudgetMs();
    // The call's own signal and budget end its wait without ending the others'.
    const bounded =
      budgetMs !== undefined && budgetMs < this.#host.waitForInstancesMs
        ? withinBudget(shared, budgetMs, this.#host.service)
        : shared;
    return abortable(bounded, signal);
  }

  #sharedWait(): Promise<void> {
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
        // The registry failed and has not answered since: the name is not unknown, the registry is unreachable.
        const failure = instancer.failure?.();
        if (failure) return finish(unreachableError(service, waitForInstancesMs, failure));
        finish(unknownServiceError(service, waitForInstancesMs));
        this.#host.unknown();
      }, waitForInstancesMs);
      // Not unref'd: a request waits on it, and a request in flight keeps the process alive as a socket would (a
      // script's `await og.fetch(…)` with the registry down would otherwise end the process with nothing settled).
      // It lasts at most waitForInstancesMs.
    });
    return this.#waiting;
  }
}
