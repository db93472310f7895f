import { checkOptionalNumber, type Disposable, LOCAL_LAG_THRESHOLD_MS, MAX_TIMER_DELAY_MS } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import { Agent, Dispatcher, errors, Pool, RedirectHandler } from "undici";
import { timeoutQueue } from "./attempt-signal.js";
import { LbError } from "./errors.js";
import { instanceOrigin, serviceOfOrigin } from "./lb-url.js";
import { OpenCalls } from "./open-calls.js";
import type { Balancer } from "./pick.js";
import { invalidOption, retryEngines } from "./retry-decision.js";
import { BalancedCall } from "./undici-call.js";
import type { LbDispatcherOptions } from "./undici-dispatcher-options.js";
import { type ControllerHandler, legacyHandlerOf } from "./undici-handler-shape.js";
import type { CallHost, CallRoute } from "./undici-route.js";

/** A request's consistent-hash key set by the undici axios adapter (`createUndiciLbAxios`). */
const LB_KEY = Symbol.for("outrigger.lbKey");

/**
 * Where an attempt goes once the dispatcher is closed: nowhere. A retry of a request that was in flight at close()
 * or destroy() fails with LB_CLOSED, as a retry through undici's closed dispatcher fails with ClientClosedError
 * (nodejs/undici lib/dispatcher/dispatcher-base.js); before, it made a pool after close() that nothing closed.
 */
const closedPool = {
  dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandlers): boolean {
    handler.onError?.(
      new LbError("LB_CLOSED", "The lb dispatcher was closed while this request was retried: make a new one"),
    );
    return true;
  },
} as Dispatcher;

/** Origins whose parse is remembered; beyond this, new origins are parsed on each request. */
const MAX_ORIGINS = 1_024;

/**
 * An undici dispatcher that sends `lb://service/path` requests — and `http://service/path` ones when `service`
 * has a balancer, since `fetch` and `undici.request` accept only http(s) URLs — to an instance picked by the
 * service's balancer, with the axios client's retry engine, per-try timeout, deadline and outcome feed. Other
 * origins go to `fallback`. One undici `Pool` per instance, closed when the instance leaves its instancer's set
 * or at `close()`. Use it as `dispatcher` option or with `installGlobalDispatcher` (Node's own `fetch` too, 20–26).
 */
export class LbDispatcher extends Dispatcher {
  readonly #options: LbDispatcherOptions;
  readonly #engineFor: ReturnType<typeof retryEngines>;
  readonly #pools = new Map<string, Pool>();
  /** Pools of instances that left the set, closing once their requests end; `destroy()` still reaches them. */
  readonly #retiring = new Set<Pool>();
  readonly #byInstance = new WeakMap<ServiceInstance, Pool>();
  /** Each origin's service (or undefined: not a service), parsed once; bounded. */
  readonly #origins = new Map<string, { service: string; lb: boolean } | undefined>();
  readonly #watched = new Map<string, Disposable>();
  /** Each service's route, rebuilt when its balancer, policy or engine changes (the options are functions). */
  readonly #routes = new Map<string, CallRoute>();
  readonly #fallback: Dispatcher;
  readonly #ownsFallback: boolean;
  /** What each request uses of this dispatcher: pools and the per-try and deadline queues (one timer each). */
  readonly #host: CallHost;
  /** Requests whose callers have not heard yet: close() waits for them, destroy() ends them. */
  readonly #calls = new OpenCalls<BalancedCall>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: LbDispatcherOptions) {
    super();
    const timer = { min: 1, max: MAX_TIMER_DELAY_MS };
    checkOptionalNumber("perTryTimeoutMs", options.perTryTimeoutMs, timer, invalidOption);
    checkOptionalNumber("deadlineMs", options.deadlineMs, timer, invalidOption);
    const lag = { min: 0, max: MAX_TIMER_DELAY_MS };
    checkOptionalNumber("localLagThresholdMs", options.localLagThresholdMs, lag, invalidOption);
    this.#options = options;
    this.#engineFor = retryEngines(options.retry);
    const { perTryTimeoutMs, deadlineMs } = options;
    // A timer that a stalled loop (GC pause, busy machine) runs late must not fail an answer already received:
    // the timeouts expire after the turn's I/O (`timeoutQueue`, as on lb-axios' http adapter).
    this.#host = {
      poolOf: (instance) => this.#poolOf(instance),
      perTry: timeoutQueue(perTryTimeoutMs),
      deadlines: timeoutQueue(deadlineMs),
      localLagThresholdMs: options.localLagThresholdMs ?? LOCAL_LAG_THRESHOLD_MS,
      ended: (call) => this.#calls.delete(call),
    };
    this.#ownsFallback = options.fallback === undefined;
    this.#fallback = options.fallback ?? new Agent();
  }

  /**
   * Sends one request. `handler` may have undici 6's callbacks or undici ≥ 7's controller shape (`onResponseStart`,
   * …: Node 26's `fetch`), see `legacyHandlerOf`; one that could not hear its request's end throws undici's
   * `InvalidArgumentError` (UND_ERR_INVALID_ARG) here.
   */
  override dispatch(
    options: Dispatcher.DispatchOptions,
    given: Dispatcher.DispatchHandlers | ControllerHandler,
  ): boolean {
    const handler = legacyHandlerOf(given, options);
    const origin = String(options.origin ?? "");
    let target = this.#origins.get(origin);
    if (target === undefined && !this.#origins.has(origin)) {
      try {
        target = serviceOfOrigin(origin);
      } catch (error) {
        handler.onError?.(error as Error);
        return true;
      }
      if (this.#origins.size < MAX_ORIGINS) this.#origins.set(origin, target);
    }
    const balancer = target ? this.#options.balancer(target.service) : undefined;
    if (!target || !balancer) {
      if (!target?.lb) return this.#fallback.dispatch(options, handler);
      handler.onError?.(
        new LbError("LB_UNKNOWN_SERVICE", `No balancer for service "${target.service}": register one for it`),
      );
      return true;
    }
    if (this.#closed) {
      handler.onError?.(new LbError("LB_CLOSED", "The lb dispatcher is closed: make a new one"));
      return true;
    }
    const redirects = (options as { maxRedirections?: number | null }).maxRedirections;
    if (redirects) return this.#followRedirects(options, handler, redirects, target.service);
    const route = this.#route(target.service, balancer);
    this.#watch(route.service);
    const key = this.#options.key?.(options) ?? (options as { [LB_KEY]?: string })[LB_KEY];
    const call = new BalancedCall(route, this.#host, options, handler, key);
    this.#calls.add(call);
    call.start();
    return true;
  }

  /**
   * undici 6's `maxRedirections` request option (`undici.request(url, { maxRedirections })`), followed here with
   * undici's own `RedirectHandler` (its rules: 303 turns into GET, `authorization`/`cookie` dropped when the origin
   * changes, 3xx bodies ignored, a stream body not resent), each hop through `dispatch`: a relative Location through
   * the balancer again, another host through `fallback`. Handed on to the instance's pool, the option ran undici's
   * redirect interceptor inside that one pool, whose request has no origin: a relative Location threw "Invalid URL",
   * counted against a healthy instance, and an absolute one went to the same instance (nodejs/undici#4360).
   */
  #followRedirects(
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandlers,
    redirects: number,
    service: string,
  ): boolean {
    // The handler resolves Locations with WHATWG URL, for which `lb:` has no origin: the service's http:// name,
    // which this dispatcher routes to the same balancer.
    const hop = { ...options, origin: `http://${service}` };
    let redirecting: RedirectHandler;
    try {
      // undici calls its first argument as a function (lib/interceptor/redirect-interceptor.js passes `dispatch`);
      // its types say Dispatcher and ask for a fifth argument the constructor does not take.
      const dispatch = (next: Dispatcher.DispatchOptions, h: Dispatcher.DispatchHandlers) => this.dispatch(next, h);
      redirecting = new RedirectHandler(dispatch as unknown as Dispatcher, redirects, hop, handler, false);
    } catch (error) {
      handler.onError?.(error as Error); // undici's InvalidArgumentError for a count that is not a whole number ≥ 0
      return true;
    }
    return this.dispatch({ ...hop, maxRedirections: 0 } as Dispatcher.DispatchOptions, redirecting);
  }

  /** The service's route: reused while its balancer, policy and engine stay the same objects. */
  #route(service: string, balancer: Balancer): CallRoute {
    const given = this.#options.policy;
    const policy = typeof given === "function" ? given(service) : given;
    const engine = this.#engineFor(service, policy !== undefined);
    const known = this.#routes.get(service);
    if (known && known.balancer === balancer && known.policy === policy && known.engine === engine) return known;
    const route: CallRoute = { service, balancer, policy, engine };
    if (this.#routes.size < MAX_ORIGINS) this.#routes.set(service, route);
    return route;
  }

  /**
   * Refuses new requests (LB_CLOSED), lets every request already started finish, then closes every pool and the
   * fallback agent if this dispatcher made it, and stops its timers. Resolves only once every caller has heard its
   * fate: an answer, or an error — a request in flight gets its answer or its per-try timeout, one waiting in the
   * balancer's queue or out a retry's backoff fails with LB_CLOSED when it would send (no pool is made after
   * close). undici's rule (nodejs/undici lib/dispatcher/dispatcher-base.js: `close()` waits for the requests in
   * flight and queued). An answer body the caller never reads keeps it waiting, as undici's pools do. Idempotent:
   * every call returns the same promise.
   */
  override close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    const pools = this.#letGo();
    await Promise.all([
      this.#calls.drained(),
      ...pools.map((pool) => pool.close()),
      this.#ownsFallback ? this.#fallback.close() : undefined,
    ]);
    // Every request has ended: nothing is left in the timeout queues, whose timers go now.
    this.#stopTimers();
  }

  /**
   * Like `close`, but ends every request at once: one in flight is aborted, one waiting (a queue, a backoff) fails
   * now, each with undici's UND_ERR_DESTROYED (`ClientDestroyedError`); resolves once every caller has heard. As
   * undici's `destroy()` (lib/dispatcher/dispatcher-base.js).
   */
  override async destroy(): Promise<void> {
    this.#closed = true;
    // undici's own error for a request its destroyed dispatcher ended: the same code whichever stage it was in.
    for (const call of this.#calls.list()) call.abort(new errors.ClientDestroyedError());
    this.#stopTimers();
    const pools = this.#letGo();
    await Promise.all([
      this.#calls.drained(),
      ...pools.map((pool) => pool.destroy()),
      this.#ownsFallback ? this.#fallback.destroy() : undefined,
    ]);
  }

  /** Stops watching the instancers and hands over every pool (live and retiring) to be closed or destroyed. */
  #letGo(): Pool[] {
    for (const watch of this.#watched.values()) watch.dispose();
    this.#watched.clear();
    const pools = [...this.#pools.values(), ...this.#retiring];
    this.#pools.clear();
    this.#retiring.clear();
    return pools;
  }

  /** The origins that have a pool now (for tests and metrics). */
  poolOrigins(): string[] {
    return [...this.#pools.keys()];
  }

  /** Requests in flight fail at once: their timeouts go too. */
  #stopTimers(): void {
    this.#host.perTry?.close();
    this.#host.deadlines?.close();
  }

  #poolOf(instance: ServiceInstance): Dispatcher {
    // Instances are kept as objects across snapshots: the common case is one WeakMap look-up, no URL building.
    const known = this.#byInstance.get(instance);
    if (known && !known.closed) return known;
    // A retry of a request in flight when close() or destroy() ran: a pool made now would outlive the dispatcher.
    if (this.#closed) return closedPool;
    const origin = instanceOrigin(instance);
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, this.#options.pool);
      this.#pools.set(origin, pool);
    }
    this.#byInstance.set(instance, pool);
    return pool;
  }

  /**
   * Closes the pool of an instance that left the set: requests in flight finish (a body the caller has not read
   * keeps it open), then its sockets close. It stays known until then, so `destroy()` ends it too (else its sockets
   * outlive the dispatcher); a close that fails (the pool was destroyed) is not an unhandled rejection
   * (nodejs/undici#4806).
   */
  #retire(pool: Pool): void {
    this.#retiring.add(pool);
    const forget = () => this.#retiring.delete(pool);
    pool.close().then(forget, forget);
  }

  /** Closes the pools of instances that left `service`'s set, from its instancer's snapshots. */
  #watch(service: string): void {
    if (this.#watched.has(service)) return;
    const instancer = this.#options.instancer?.(service);
    if (!instancer) return;
    const known = new Set<string>();
    const sync = (instances: readonly ServiceInstance[]) => {
      const now = new Set(instances.map(instanceOrigin));
      for (const origin of known) {
        if (now.has(origin)) continue;
        known.delete(origin);
        const pool = this.#pools.get(origin);
        this.#pools.delete(origin);
        if (pool) this.#retire(pool);
      }
      for (const origin of now) known.add(origin);
    };
    sync(instancer.current().instances);
    this.#watched.set(
      service,
      instancer.onChange((snapshot) => sync(snapshot.instances)),
    );
  }
}

/** An `LbDispatcher` (see there); throws LB_INVALID_OPTION for a bad duration. */
export function createLbDispatcher(options: LbDispatcherOptions): LbDispatcher {
  return new LbDispatcher(options);
}
