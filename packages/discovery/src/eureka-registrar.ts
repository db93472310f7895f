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
  /** Status to register with (default UP). */
  readonly status?: InstanceStatus;
  /** Time between renewals (Eureka: 30 s). Each wait is jittered by ±10% so a fleet does not renew in lockstep. */
  readonly renewIntervalMs?: number;
  /** Lease the registry should grant (Eureka: 90 s, three missed renewals). */
  readonly leaseDurationSec?: number;
  readonly requestTimeoutMs?: number;
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

/**
 * Registers a service instance in a Eureka-compatible registry and owns its heartbeat loop. The loop never
 * throws into the host process: failures go to `onError` and the next heartbeat tries again.
 */
export class EurekaRegistrar implements Registrar {
  readonly #options: EurekaRegistrarOptions;
  readonly #registered = new EventSource<{ reason: RegisterReason }>();
  readonly #errors = new EventSource<Error>();
  readonly #instanceUrl: string;
  #status: InstanceStatus;
  #isRegistered = false;
  #timer: NodeJS.Timeout | undefined;
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
    this.#instanceUrl = joinUrl(
      options.registryUrl,
      `apps/${encodeURIComponent(options.instance.app.toUpperCase())}/${encodeURIComponent(this.instanceId)}`,
    );
  }

  /** Registers now and starts the heartbeat loop; resolves once registered, retrying on each heartbeat until then. */
  register(): Promise<void> {
    this.#closed = false;
    return new Promise((resolve) => {
      const done = this.onRegister(() => {
        done.dispose();
        resolve();
      });
      void this.#beat("initial");
    });
  }

  /** Changes the registered status (e.g. STARTING → UP, or OUT_OF_SERVICE before shutdown). */
  async setStatus(status: InstanceStatus): Promise<void> {
    this.#status = status;
    if (this.#isRegistered) await this.#send("status");
  }

  /** Stops the heartbeat and removes the instance from the registry. */
  async deregister(): Promise<void> {
    this.#stop();
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

  async #beat(reason: RegisterReason): Promise<void> {
    try {
      if (!this.#isRegistered) {
        await this.#send(reason);
      } else {
        const { status } = await registryRequest(this.#instanceUrl, { method: "PUT", timeoutMs: this.#timeoutMs() });
        // 404: the registry lost us (restart, eviction); Eureka clients register again at once.
        if (status === 404) await this.#send("re-register");
        else if (status >= 400) throw new DiscoveryError("DISCOVERY_REGISTRY_REJECTED", `Renew answered ${status}`);
      }
    } catch (error) {
      this.#errors.emit(error as Error);
    }
    this.#schedule();
  }

  async #send(reason: RegisterReason): Promise<void> {
    const intervalMs = this.#options.renewIntervalMs ?? 30_000;
    const body = toRegistrationBody(this.#options.instance, this.#status, {
      renewalIntervalInSecs: Math.max(1, Math.round(intervalMs / 1000)),
      durationInSecs: this.#options.leaseDurationSec ?? 90,
    });
    const appUrl = joinUrl(
      this.#options.registryUrl,
      `apps/${encodeURIComponent(this.#options.instance.app.toUpperCase())}`,
    );
    const { status } = await registryRequest(appUrl, { method: "POST", body, timeoutMs: this.#timeoutMs() });
    if (status !== 204 && status !== 200) {
      throw new DiscoveryError(
        "DISCOVERY_REGISTRY_REJECTED",
        `Registration answered ${status}: check the registry's log`,
      );
    }
    if (this.#closed) return;
    this.#isRegistered = true;
    this.#registered.emit({ reason });
  }

  #schedule(): void {
    if (this.#closed) return;
    const base = this.#options.renewIntervalMs ?? 30_000;
    const jitter = 1 + ((this.#options.random ?? Math.random)() * 0.2 - 0.1);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#beat("re-register"), base * jitter);
    this.#timer.unref();
  }

  #stop(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
