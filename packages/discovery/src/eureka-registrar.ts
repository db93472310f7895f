import { Backoff, type BackoffOptions, jittered } from "./backoff.js";
import { DiscoveryError } from "./errors.js";
import { type InstanceRegistration, registrationId, toRegistrationBody } from "./eureka-wire.js";
import { EventSource } from "./event.js";
import { joinUrl, registryRequest } from "./registry-http.js";
import type { InstanceStatus } from "./service-instance.js";

/** Settings of a Eureka registrar. */
export interface EurekaRegistrarOptions {
  /** The registry's Eureka base URL, e.g. `http://127.0.0.1:8761/eureka`. */
  readonly registryUrl: string;
  readonly instance: InstanceRegistration;
  /** Status to register with (default UP; use STARTING and `setStatus("UP")` once the service is warm). */
  readonly status?: InstanceStatus;
  /** Time between renewals (Eureka: 30 s). Each wait is jittered by ±10% so a fleet does not renew in lockstep. */
  readonly renewIntervalMs?: number;
  /** Lease the registry should grant (Eureka: 90 s, three missed renewals). */
  readonly leaseDurationSec?: number;
  readonly requestTimeoutMs?: number;
  /**
   * Delays between attempts while the registry fails (default 500 ms doubling, jittered, capped at the renew
   * interval so a registry that comes back sees this instance again within one heartbeat).
   */
  readonly retry?: BackoffOptions;
  /** Source of randomness for jitter, injectable for tests. */
  readonly random?: () => number;
}

/** Why a registration was sent. */
export type RegisterReason = "initial" | "re-register" | "status";

/** Keeps one instance registered: registers, renews on an interval, re-registers on 404, deregisters on close. */
export interface Registrar {
  register(): Promise<void>;
  setStatus(status: InstanceStatus): Promise<void>;
  deregister(): Promise<void>;
  close(): Promise<void>;
}

/** Jitter of each renew wait: ±10% spreads a fleet that started together without delaying any lease much. */
const RENEW_JITTER = 0.1;

/**
 * Registers a service instance in a Eureka-compatible registry and owns its heartbeat loop. Nothing it does can
 * crash or block the host: failures go to `onError` and are retried with backoff, every call to the registry has
 * a timeout, and the timers are unref'd.
 */
export class EurekaRegistrar implements Registrar {
  readonly #options: EurekaRegistrarOptions;
  readonly #registered = new EventSource<{ reason: RegisterReason }>();
  readonly #errors = new EventSource<Error>();
  readonly #instanceUrl: string;
  readonly #appUrl: string;
  readonly #retry: Backoff;
  #status: InstanceStatus;
  #isRegistered = false;
  /** The registry holds an older status than `#status`: the next beat sends the registration again. */
  #statusStale = false;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();
  #closed = false;

  /** Fires after each successful registration, with its reason. */
  readonly onRegister = this.#registered.event;
  /** Fires on each failed call to the registry. */
  readonly onError = this.#errors.event;
  /** The instance id the registry knows this instance by. */
  readonly instanceId: string;

  constructor(options: EurekaRegistrarOptions) {
    this.#options = options;
    this.#status = options.status ?? "UP";
    this.instanceId = registrationId(options.instance);
    const app = encodeURIComponent(options.instance.app.toUpperCase());
    this.#appUrl = joinUrl(options.registryUrl, `apps/${app}`);
    this.#instanceUrl = `${this.#appUrl}/${encodeURIComponent(this.instanceId)}`;
    this.#retry = new Backoff({
      initialMs: 500,
      maxMs: this.#renewIntervalMs(),
      ...(options.random ? { random: options.random } : {}),
      ...options.retry,
    });
  }

  /** The status this registrar registers with. */
  get status(): InstanceStatus {
    return this.#status;
  }

  /**
   * Registers now and starts the heartbeat loop; resolves once registered. While the registry is down it retries
   * with backoff; the promise never rejects, so `register()` without `await` is safe at startup.
   */
  register(): Promise<void> {
    this.#closed = false;
    return new Promise((resolve) => {
      const done = this.onRegister(() => {
        done.dispose();
        resolve();
      });
      this.#run("initial");
    });
  }

  /**
   * Changes the registered status (STARTING → UP once warm, OUT_OF_SERVICE to drain before shutdown). Never rejects:
   * when the registry cannot be told now, `onError` fires and the next heartbeat sends it.
   */
  async setStatus(status: InstanceStatus): Promise<void> {
    this.#status = status;
    this.#statusStale = true;
    if (!this.#isRegistered || this.#closed) return;
    await this.#inFlight;
    if (!this.#statusStale || this.#closed) return;
    try {
      await this.#send("status");
    } catch (error) {
      this.#errors.emit(error as Error);
    }
  }

  /** Stops the heartbeat and removes the instance from the registry; bounded by the request timeout. */
  async deregister(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#inFlight; // a registration on the wire must not land after our DELETE
    if (!this.#isRegistered) return;
    this.#isRegistered = false;
    try {
      await registryRequest(this.#instanceUrl, { method: "DELETE", timeoutMs: this.#timeoutMs() });
    } catch (error) {
      this.#errors.emit(error as Error);
    }
  }

  /** Same as deregister: nothing is left behind in the registry or the event loop. */
  close(): Promise<void> {
    return this.deregister();
  }

  #timeoutMs(): number {
    return this.#options.requestTimeoutMs ?? 5_000;
  }

  #renewIntervalMs(): number {
    return this.#options.renewIntervalMs ?? 30_000;
  }

  #run(reason: RegisterReason): void {
    this.#inFlight = this.#beat(reason);
  }

  async #beat(reason: RegisterReason): Promise<void> {
    let ok = false;
    try {
      if (!this.#isRegistered) {
        await this.#send(reason);
      } else if (this.#statusStale) {
        await this.#send("status");
      } else {
        const { status } = await registryRequest(this.#instanceUrl, { method: "PUT", timeoutMs: this.#timeoutMs() });
        // 404: the registry lost us (restart, eviction); Eureka clients register again at once.
        if (status === 404) await this.#send("re-register");
        else if (status >= 400) throw new DiscoveryError("DISCOVERY_REGISTRY_REJECTED", `Renew answered ${status}`);
      }
      ok = true;
    } catch (error) {
      if (!this.#closed) this.#errors.emit(error as Error);
    }
    this.#schedule(ok);
  }

  async #send(reason: RegisterReason): Promise<void> {
    const body = toRegistrationBody(this.#options.instance, this.#status, {
      renewalIntervalInSecs: Math.max(1, Math.round(this.#renewIntervalMs() / 1000)),
      durationInSecs: this.#options.leaseDurationSec ?? 90,
    });
    const sent = this.#status;
    const { status } = await registryRequest(this.#appUrl, { method: "POST", body, timeoutMs: this.#timeoutMs() });
    if (status !== 204 && status !== 200) {
      throw new DiscoveryError(
        "DISCOVERY_REGISTRY_REJECTED",
        `Registration answered ${status}: check the registry's log`,
      );
    }
    // Even when closing meanwhile: the registry holds us now, so deregister() must know to remove us.
    this.#isRegistered = true;
    if (sent === this.#status) this.#statusStale = false;
    if (!this.#closed) this.#registered.emit({ reason });
  }

  #schedule(ok: boolean): void {
    if (this.#closed) return;
    let delay: number;
    if (ok) {
      this.#retry.reset();
      delay = jittered(this.#renewIntervalMs(), RENEW_JITTER, this.#options.random);
    } else {
      delay = this.#retry.next();
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#run("re-register"), delay);
    this.#timer.unref();
  }
}
