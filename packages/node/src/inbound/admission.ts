import type { IncomingMessage, ServerResponse } from "node:http";
import { type Clock, EventSource, monotonicClock, redactSecrets } from "@outrigger/core";
import { type ConcurrencyGate, concurrencyGate } from "./concurrency-gate.js";
import { Connections } from "./connections.js";
import { invalidOption } from "./errors.js";
import { inboundChannels, traceInbound } from "./inbound-channel.js";
import { type InboundEvent, type InboundOptions, type Limits, type RejectReason, resolveOptions } from "./options.js";
import { type Rejection, rejectionFor } from "./rejection.js";
import { TokenBucket } from "./token-bucket.js";

/** `Retry-After` of a request refused because the limiter failed: 1 s, the shortest the header can say. */
const FAILED_RETRY_AFTER_MS = 1_000;

/** A `RateLimiter` and the key each request counts against. */
type SharedLimit = Extract<Limits["rate"], { kind: "limiter" }>;

/** One admitted request until its response closes. */
interface Running {
  readonly res: ServerResponse;
  readonly startedAt: number;
}

/** The framework-free core of the middleware: decides on each request and tracks it until its response closes. */
export class Admission {
  readonly #clock: Clock;
  readonly #events = new EventSource<InboundEvent>();
  readonly #requests = new EventSource<IncomingMessage>();
  readonly #running = new Set<Running>();
  readonly #connections = new Connections();
  #listeners: { event?: { dispose(): void }; request?: { dispose(): void } } = {};
  #bucket: TokenBucket | undefined;
  #limiter: SharedLimit | undefined;
  #gate: ConcurrencyGate;
  #drain: { promise: Promise<void>; resolve: () => void } | undefined;

  constructor(options: InboundOptions = {}) {
    const limits = resolveOptions(options);
    this.#clock = options.clock ?? monotonicClock;
    this.#gate = concurrencyGate(limits.concurrency, this.#clock);
    this.#setRate(limits.rate);
    this.#subscribe(options);
  }

  /** Admitted requests whose response has not closed yet. */
  get inFlight(): number {
    return this.#running.size;
  }

  /**
   * Decides on one request: `proceed()` runs the application, `refuse(rejection)` answers for it. Checks run from
   * cheapest and least lossy: draining, then the concurrency cap (before a rate token is spent), then the rate. A
   * `RateLimiter` answers asynchronously (Redis): draining and the cap are checked again once it has admitted.
   */
  admit(req: IncomingMessage, res: ServerResponse, proceed: () => void, refuse: (rejection: Rejection) => void): void {
    if (this.#requests.size > 0) this.#requests.emit(req);
    // The client left before the request reached us (an async middleware ran first): 'close' will not fire again.
    if (res.closed) return;
    // A subscriber (telemetry's SERVER span) may wrap the application's part, which the gate may run later.
    const next = inboundChannels.request.hasSubscribers ? traceInbound(req, res, proceed) : proceed;
    const socket = req.socket;
    this.#connections.begin(socket);
    const refusal = this.#refusal();
    if (refusal) {
      this.#reject(res, socket, refuse, refusal.reason, refusal.retryAfterMs);
      return;
    }
    const limiter = this.#limiter;
    if (!limiter) {
      this.#start(res, socket, next, refuse);
      return;
    }
    void this.#ask(limiter, req).then((waitMs) => {
      // The client left while the limiter decided: nothing to answer, and 'close' will not fire again.
      if (res.closed) return this.#connections.end(socket);
      // A drain or a full cap that began meanwhile still refuses (the limiter's point is spent by then).
      const late = waitMs > 0 ? { reason: "rate-limit" as const, retryAfterMs: waitMs } : this.#refusal();
      if (late) this.#reject(res, socket, refuse, late.reason, late.retryAfterMs);
      else this.#start(res, socket, next, refuse);
    });
  }

  /**
   * Asks the `RateLimiter` for `key(req)`: 0 when admitted, else the wait in ms. Store failures never get here (the
   * limiter decides them by its `onStoreFailure`); a `key` that throws or a limiter that rejects is a bug, and the
   * request is refused as over the limit (closed, as security asks) with a process warning that names it (credentials redacted).
   */
  #ask(limiter: SharedLimit, req: IncomingMessage): Promise<number> {
    const failed = (error: unknown): number => {
      process.emitWarning(
        // A store client's error may carry its URL: no credentials in the warning.
        `inbound rate limit failed (${redactSecrets((error as Error)?.message ?? String(error))}); the request was refused (429). Fix rateLimit.key or the limiter.`,
        { code: "OUTRIGGER_INBOUND_LIMITER_FAILED" },
      );
      return FAILED_RETRY_AFTER_MS;
    };
    try {
      return limiter.limiter
        .acquire(limiter.key(req))
        .then((verdict) => (verdict.allowed ? 0 : Math.max(1, verdict.retryAfterMs)), failed);
    } catch (error) {
      return Promise.resolve(failed(error));
    }
  }

  /** Runs an admitted request and tracks it until its response closes. */
  #start(
    res: ServerResponse,
    socket: IncomingMessage["socket"],
    proceed: () => void,
    refuse: (rejection: Rejection) => void,
  ): void {
    const running: Running = { res, startedAt: this.#clock.now() };
    this.#running.add(running);
    this.#emit({ type: "admitted", inFlight: this.#running.size });
    let settle: ((complete: boolean) => void) | undefined;
    let released = false;
    const release = (refused: boolean) => {
      if (released) return;
      released = true;
      this.#running.delete(running);
      if (!refused) {
        const aborted = !res.writableFinished;
        this.#emit({
          type: "finished",
          durationMs: this.#clock.now() - running.startedAt,
          aborted,
          inFlight: this.#running.size,
        });
        settle?.(!aborted);
      }
      if (this.#drain && this.#running.size === 0) this.#drain.resolve();
    };
    // 'close' fires exactly once whether the response finished or the connection was lost (Node ≥ 11), so it is the
    // one release point: counting on 'finish' leaks a slot per aborted client (express-rate-limit#108, #110).
    res.once("close", () => {
      release(false);
      this.#connections.end(socket);
    });
    this.#gate.run(
      () =>
        new Promise<void>((resolve, reject) => {
          settle = (complete) => (complete ? resolve() : reject(new Error("the client went away")));
        }),
      proceed,
      () => {
        release(true);
        this.#reject(res, null, refuse, "concurrency");
      },
    );
  }

  /**
   * Stops admitting: new requests get 503 with `Connection: close`; running ones answer with `Connection: close`
   * (when their headers are not out yet) and their keep-alive connections close once idle; idle ones close now.
   * Resolves when no admitted request is left.
   */
  draining(): Promise<void> {
    if (!this.#drain) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#drain = { promise, resolve };
      for (const { res } of this.#running) if (!res.headersSent) res.setHeader("connection", "close");
      this.#connections.drain();
      if (this.#running.size === 0) resolve();
    }
    return this.#drain.promise;
  }

  /** Applies new limits, or throws OUTRIGGER_INVALID_OPTION and keeps the old ones. */
  setOptions(options: InboundOptions): void {
    const limits = resolveOptions(options);
    if (options.clock !== undefined && options.clock !== this.#clock) {
      throw invalidOption("clock is chosen once, at createInbound; setOptions cannot change it");
    }
    // Nothing is changed before every check passed.
    this.#gate = concurrencyGate(limits.concurrency, this.#clock, this.#gate);
    this.#setRate(limits.rate);
    this.#subscribe(options);
  }

  /** The rate limit in force: a bucket keeps what it earned across a reload; a limiter is the caller's object. */
  #setRate(rate: Limits["rate"]): void {
    this.#limiter = rate?.kind === "limiter" ? rate : undefined;
    if (rate?.kind !== "bucket") this.#bucket = undefined;
    else if (this.#bucket) this.#bucket.reconfigure(rate.perSecond, rate.burst);
    else this.#bucket = new TokenBucket(rate.perSecond, rate.burst, this.#clock);
  }

  /** Replaces the listeners given in `options`; a listener left out is kept. */
  #subscribe(options: InboundOptions): void {
    if (options.onEvent) {
      this.#listeners.event?.dispose();
      this.#listeners.event = this.#events.event(options.onEvent);
    }
    if (options.onRequest) {
      this.#listeners.request?.dispose();
      this.#listeners.request = this.#requests.event(options.onRequest);
    }
  }

  #refusal(): { reason: RejectReason; retryAfterMs?: number } | undefined {
    if (this.#drain) return { reason: "draining" };
    if (this.#running.size >= this.#gate.limit()) return { reason: "concurrency" };
    const waitMs = this.#bucket?.take() ?? 0;
    return waitMs > 0 ? { reason: "rate-limit", retryAfterMs: waitMs } : undefined;
  }

  #reject(
    res: ServerResponse,
    socket: IncomingMessage["socket"] | null,
    refuse: (rejection: Rejection) => void,
    reason: RejectReason,
    retryAfterMs?: number,
  ): void {
    if (socket) res.once("close", () => this.#connections.end(socket));
    const event: InboundEvent =
      retryAfterMs === undefined
        ? { type: "rejected", reason, inFlight: this.#running.size }
        : { type: "rejected", reason, retryAfterMs, inFlight: this.#running.size };
    this.#emit(event);
    refuse(rejectionFor(reason, retryAfterMs));
  }

  #emit(event: InboundEvent): void {
    if (this.#events.size > 0) this.#events.emit(event);
  }
}
