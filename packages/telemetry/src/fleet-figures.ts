import type { ServiceInstance } from "@outrigger/discovery";
import type { AttemptMessage, CallEndMessage, EjectionMessage } from "@outrigger/loadbalancer";
import type { BreakerStateMessage } from "@outrigger/resilience";
import { CHANNEL, type Listener } from "./channel-names.js";
import { FleetWindow, type WindowFigures } from "./fleet-window.js";
import { errorType } from "./semconv.js";

/** Destinations (services called) followed per process; calls to more count under `FLEET_OVERFLOW`. */
export const MAX_DESTINATIONS = 256;
/** Where calls to destinations past `MAX_DESTINATIONS` are counted. */
export const FLEET_OVERFLOW = "(other)";
/** Ejected instances listed per destination; the count stays exact. */
const MAX_EJECTED_LISTED = 32;
/** Ejections remembered per destination (expired ones are pruned first; past it, new ones are not kept). */
const MAX_EJECTED_KEPT = 1024;

/** One destination's live figures, as the fleet stream sends them. */
export interface DestinationFigures extends WindowFigures {
  readonly service: string;
  /** The last state the circuit breaker announced ("closed" until it says otherwise). */
  readonly breaker: "closed" | "open" | "half-open";
  /** Instances the outlier detector holds out now (ids, at most 32 listed) and how many. */
  readonly ejected: readonly string[];
  readonly ejectedCount: number;
  /** Retries the retry budget allows now, when a budget is known for the destination. */
  readonly budget?: number;
}

interface Destination {
  readonly window: FleetWindow;
  breaker: DestinationFigures["breaker"];
  /** Ejected instance id → monotonic ms when its ejection ends. */
  readonly ejected: Map<string, number>;
}

/**
 * Per-destination figures from the request path's `diagnostics_channel` messages (the ones `instrumentOutrigger`
 * listens to): each call's end feeds the destination's window, the breaker's messages its state, the outlier
 * detector's its ejected set (an ejection lasts the `durationMs` it announced). Bounded: `MAX_DESTINATIONS`.
 */
export class FleetFigures {
  readonly #now: () => number;
  #budget: ((service: string) => number | undefined) | undefined;
  readonly #onBreaker: () => void;
  readonly #destinations = new Map<string, Destination>();
  /**
   * The destination an instance was called as: an ejection names only the instance, whose `service` is the
   * registry's name for it (Eureka's app names are upper case), not necessarily the `lb://` name of the calls.
   */
  readonly #calledAs = new WeakMap<ServiceInstance, string>();

  /**
   * `now` reads the monotonic clock calls are timed on (`performance.now()`'s, which `CallMessage.startedAt` uses);
   * `onBreaker` is told of each breaker transition (the stream sends those at once, not at the next tick).
   */
  constructor(now: () => number, budget?: (service: string) => number | undefined, onBreaker: () => void = () => {}) {
    this.#now = now;
    this.#budget = budget;
    this.#onBreaker = onBreaker;
  }

  /** Where retry-budget balances are read from from now on (an `og` hands its budgets to a stream made before it). */
  useBudget(budget: (service: string) => number | undefined): void {
    this.#budget = budget;
  }

  /** The channel listeners that feed these figures. */
  listeners(): Listener[] {
    return [
      // The load balancer publishes a call's attempts and end only when its start has a subscriber.
      [CHANNEL.callStart, () => undefined],
      [CHANNEL.callEnd, (m) => this.#callEnd(m as CallEndMessage)],
      [
        CHANNEL.attemptStart,
        (m) => this.#calledAs.set((m as AttemptMessage).instance, (m as AttemptMessage).call.service),
      ],
      [CHANNEL.breaker, (m) => this.#breaker(m as BreakerStateMessage)],
      [CHANNEL.ejection, (m) => this.#ejection(m as EjectionMessage)],
    ];
  }

  /** Every destination's figures now, by service name. */
  snapshot(): DestinationFigures[] {
    const now = this.#now();
    const out: DestinationFigures[] = [];
    for (const [service, d] of this.#destinations) {
      for (const [id, until] of d.ejected) if (until <= now) d.ejected.delete(id);
      const budget = service === FLEET_OVERFLOW ? undefined : this.#budget?.(service);
      out.push({
        service,
        ...d.window.figures(now),
        breaker: d.breaker,
        ejected: [...d.ejected.keys()].slice(0, MAX_EJECTED_LISTED),
        ejectedCount: d.ejected.size,
        ...(budget === undefined ? {} : { budget }),
      });
    }
    return out.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }

  #destination(service: string): Destination {
    let d = this.#destinations.get(service);
    if (d) return d;
    const key = this.#destinations.size < MAX_DESTINATIONS ? service : FLEET_OVERFLOW;
    d = this.#destinations.get(key);
    if (!d) {
      d = { window: new FleetWindow(this.#now()), breaker: "closed", ejected: new Map() };
      this.#destinations.set(key, d);
    }
    return d;
  }

  #callEnd(m: CallEndMessage): void {
    // The call's start travels on its message (`CallMessage.startedAt`, on the monotonic clock `now` reads too);
    // a load balancer older than that field leaves it out, and the call counts as instant rather than as NaN.
    const now = this.#now();
    // biome-ignore lint/complexity/useMathMinMax: Math.min gives NaN for a missing startedAt; this gives now.
    const started = m.call.startedAt <= now ? m.call.startedAt : now;
    // Failed as the call metrics count it (`error.type` set: an error, or a 4xx/5xx answer).
    const failed = errorType(m.status, m.error) !== undefined;
    this.#destination(m.call.service).window.record(now, now - started, failed);
  }

  #breaker(m: BreakerStateMessage): void {
    // Policy messages name the call (core's `callOf`), which carries its destination; a call made without one
    // (a policy used outside the load balancer) is no destination's.
    const service = m.call.service;
    if (service === undefined) return;
    this.#destination(service).breaker = m.state;
    this.#onBreaker();
  }

  #ejection(m: EjectionMessage): void {
    const service = this.#calledAs.get(m.instance) ?? m.instance.service;
    const { ejected } = this.#destination(service);
    const now = this.#now();
    // Expired ejections are otherwise pruned when a snapshot is read; with no stream open, none is.
    if (ejected.size >= MAX_EJECTED_KEPT) for (const [id, until] of ejected) if (until <= now) ejected.delete(id);
    if (ejected.size < MAX_EJECTED_KEPT || ejected.has(m.instance.id)) ejected.set(m.instance.id, now + m.durationMs);
  }
}
