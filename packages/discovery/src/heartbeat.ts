import { EventSource, MAX_TIMER_DELAY_MS } from "@outrigger/core";
import { Backoff, type BackoffOptions, jittered } from "./backoff.js";
import { checkOption } from "./errors.js";

/** Why a registration was sent. */
export type RegisterReason = "initial" | "re-register" | "status";

/** Jitter of each heartbeat: ±10% spreads a fleet that started together without delaying any lease much. */
const BEAT_JITTER = 0.1;

/**
 * The loop every registrar owns: runs one step (register, renew or pass) per interval, jittered; after a failure
 * it retries with backoff capped at one interval, so a registry that comes back sees the instance again within one
 * heartbeat. Failures are published, never thrown; the timer is unref'd; `stop()` waits for a step on the wire.
 */
export class Heartbeat {
  readonly #step: (reason: RegisterReason) => Promise<void>;
  readonly #intervalMs: number;
  readonly #random: (() => number) | undefined;
  readonly #retry: Backoff;
  readonly #registered = new EventSource<{ reason: RegisterReason }>();
  readonly #errors = new EventSource<Error>();
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #stopped = false;
  // While a start() is waiting for its first registration, retries keep the process alive: an application that
  // awaits register() with the registry down must keep retrying (as Eureka's Java client does), not exit with
  // Node's "unsettled top-level await" (code 13) because every timer was unref'd.
  #awaitingFirst = false;

  /** Fires after each successful registration, with its reason. */
  readonly onRegister = this.#registered.event;
  /** Fires on each failed step. */
  readonly onError = this.#errors.event;

  constructor(
    step: (reason: RegisterReason) => Promise<void>,
    options: { intervalMs: number; retry?: BackoffOptions; random?: () => number },
  ) {
    this.#step = step;
    // Checked here, for every registrar: NaN or a negative interval would renew in a tight loop, one past
    // setTimeout's 2^31−1 ms at once (Node clamps it to 1 ms).
    this.#intervalMs = checkOption("renewIntervalMs (Consul: ttlSec × 1000 / 3)", options.intervalMs, {
      min: 1,
      max: MAX_TIMER_DELAY_MS,
    });
    this.#random = options.random;
    this.#retry = new Backoff({
      initialMs: 500, // half a second: a registry restarting under a supervisor is usually back by then
      maxMs: options.intervalMs,
      ...(options.random ? { random: options.random } : {}),
      ...options.retry,
    });
  }

  /** True once stopped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Runs the first step now and resolves after the first successful registration; never rejects. Until then the
   * retry timer holds the process open (failures go to `onError`); after it, the loop never does.
   */
  start(): Promise<void> {
    this.#stopped = false;
    this.#awaitingFirst = true;
    return new Promise((resolve) => {
      const done = this.onRegister(() => {
        done.dispose();
        this.#awaitingFirst = false;
        this.#timer?.unref();
        resolve();
      });
      this.#run("initial");
    });
  }

  /** Publishes a successful registration (not after stop). */
  registered(reason: RegisterReason): void {
    if (!this.#stopped) this.#registered.emit({ reason });
  }

  /** Publishes a failure. */
  failed(error: Error): void {
    this.#errors.emit(error);
  }

  /** Resolves once no step is on the wire. */
  idle(): Promise<void> {
    return this.#inFlight;
  }

  /** Stops the loop; resolves once a step on the wire has finished, so nothing lands after the caller's cleanup. */
  stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    return this.#inFlight;
  }

  #run(reason: RegisterReason): void {
    this.#inFlight = this.#beat(reason);
  }

  async #beat(reason: RegisterReason): Promise<void> {
    let ok = false;
    try {
      await this.#step(reason);
      ok = true;
    } catch (error) {
      if (!this.#stopped) this.#errors.emit(error as Error);
    }
    if (this.#stopped) return;
    if (ok) this.#retry.reset();
    const delay = ok ? jittered(this.#intervalMs, BEAT_JITTER, this.#random) : this.#retry.next();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run("re-register"), delay);
    if (!this.#awaitingFirst) this.#timer.unref();
  }
}
