import type { BackoffOptions } from "./backoff.js";
import { checkName, checkPort, DiscoveryError } from "./errors.js";
import { type InstanceRegistration, registrationId, toRegistrationBody } from "./eureka-wire.js";
import { Heartbeat, type RegisterReason } from "./heartbeat.js";
import type { Registrar } from "./registrar.js";
import { RegistryAccess, type RegistryAccessOptions } from "./registry-access.js";
import { joinUrl, registryRequest } from "./registry-http.js";
import type { InstanceStatus } from "./service-instance.js";

export type { RegisterReason } from "./heartbeat.js";

/** Settings of a Eureka registrar. */
export interface EurekaRegistrarOptions extends RegistryAccessOptions {
  /**
   * The registry's Eureka base URL, e.g. `http://127.0.0.1:8761/eureka`; `https://user:secret@host/eureka` sends
   * the credentials as Basic (as Spring's Eureka clients do). The token needs write scope.
   */
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

/**
 * Registers a service instance in a Eureka-compatible registry and owns its heartbeat loop. Nothing it does can
 * crash or block the host: failures go to `onError` and are retried with backoff, every call to the registry has
 * a timeout, and the timers are unref'd.
 */
export class EurekaRegistrar implements Registrar {
  readonly #options: EurekaRegistrarOptions;
  readonly #heartbeat: Heartbeat;
  readonly #access: RegistryAccess;
  readonly #instanceUrl: string;
  readonly #appUrl: string;
  #status: InstanceStatus;
  #isRegistered = false;
  /** The registry holds an older status than `#status`: the next beat sends it again. */
  #statusStale = false;
  /**
   * The status is set through Eureka's status override (`PUT …/status?value=`), from the first OUT_OF_SERVICE on:
   * a stock Eureka keeps a stored UP or OUT_OF_SERVICE against the client's own registration (`LeaseExistsRule`),
   * so a re-registration can neither drain nor bring back (Netflix/eureka#1398) — the override is how Spring's
   * `EurekaServiceRegistry.setStatus` does both. Once used it stays in use: an override outranks the registration.
   */
  #overridden: boolean;

  /** Fires after each successful registration, with its reason. */
  readonly onRegister;
  /** Fires on each failed call to the registry. */
  readonly onError;
  /** The instance id the registry knows this instance by. */
  readonly instanceId: string;

  constructor(options: EurekaRegistrarOptions) {
    checkName("instance.app", options.instance?.app);
    checkName("instance.host", options.instance?.host);
    checkPort("instance.port", options.instance?.port);
    this.#options = options;
    this.#status = options.status ?? "UP";
    this.#overridden = this.#status === "OUT_OF_SERVICE";
    this.instanceId = registrationId(options.instance);
    const app = encodeURIComponent(options.instance.app.toUpperCase());
    this.#access = new RegistryAccess(options.registryUrl, options);
    this.#appUrl = joinUrl(this.#access.url, `apps/${app}`);
    this.#instanceUrl = `${this.#appUrl}/${encodeURIComponent(this.instanceId)}`;
    this.#heartbeat = new Heartbeat((reason) => this.#beat(reason), {
      intervalMs: this.#renewIntervalMs(),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.onRegister = this.#heartbeat.onRegister;
    this.onError = this.#heartbeat.onError;
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
    return this.#heartbeat.start();
  }

  /**
   * Changes the registered status (STARTING → UP once warm, OUT_OF_SERVICE to drain before shutdown). STARTING → UP
   * registers again, as Eureka's Java client does; OUT_OF_SERVICE, and every change after it, is Eureka's status
   * override (`PUT …/status?value=`, as Spring's `EurekaServiceRegistry.setStatus`), the one way a stock Eureka
   * takes a drain and its end. Never rejects: when the registry cannot be told now, `onError` fires and the next
   * heartbeat sends it.
   */
  async setStatus(status: InstanceStatus): Promise<void> {
    this.#status = status;
    if (status === "OUT_OF_SERVICE") this.#overridden = true;
    this.#statusStale = true;
    if (!this.#isRegistered || this.#heartbeat.stopped) return;
    await this.#heartbeat.idle();
    if (!this.#statusStale || this.#heartbeat.stopped) return;
    try {
      await this.#sendStatus();
    } catch (error) {
      this.#heartbeat.failed(error as Error);
    }
  }

  /** Stops the heartbeat and removes the instance from the registry; bounded by the request timeout. */
  async deregister(): Promise<void> {
    await this.#heartbeat.stop(); // a registration on the wire must not land after our DELETE
    if (!this.#isRegistered) return;
    this.#isRegistered = false;
    try {
      await registryRequest(this.#instanceUrl, {
        method: "DELETE",
        timeoutMs: this.#timeoutMs(),
        access: this.#access,
      });
    } catch (error) {
      this.#heartbeat.failed(error as Error);
    }
  }

  /** Same as deregister, then closes its connections: nothing is left behind in the registry or the event loop. */
  async close(): Promise<void> {
    await this.deregister();
    await this.#access.close();
  }

  #timeoutMs(): number {
    return this.#options.requestTimeoutMs ?? 5_000;
  }

  #renewIntervalMs(): number {
    return this.#options.renewIntervalMs ?? 30_000;
  }

  async #beat(reason: RegisterReason): Promise<void> {
    if (!this.#isRegistered) return this.#register(reason);
    if (this.#statusStale) return this.#sendStatus();
    const { status } = await registryRequest(this.#instanceUrl, {
      method: "PUT",
      timeoutMs: this.#timeoutMs(),
      access: this.#access,
    });
    // 404: the registry lost us (restart, eviction); Eureka clients register again at once.
    if (status === 404) return this.#register("re-register");
    if (status >= 400) throw new DiscoveryError("DISCOVERY_REGISTRY_REJECTED", `Renew answered ${status}`);
  }

  /**
   * Registers (the body carries `#status`), then states the override once in use: a registry that lost us lost it
   * too, and one that still holds a lease from this id's last run keeps its UP against the body's OUT_OF_SERVICE.
   */
  async #register(reason: RegisterReason): Promise<void> {
    await this.#post();
    if (this.#overridden) {
      this.#statusStale = true; // a failed override is sent again on the next beat
      if (!(await this.#putOverride())) {
        throw new DiscoveryError("DISCOVERY_REGISTRY_REJECTED", "Status override answered 404 right after registering");
      }
    }
    this.#heartbeat.registered(reason);
  }

  /** Tells the registry `#status`: by the status override once in use, else by registering again. */
  async #sendStatus(): Promise<void> {
    if (!this.#overridden) await this.#post();
    // 404: the registry lost us (a restart while we were away): register again at once, the override with it.
    else if (!(await this.#putOverride())) return this.#register("re-register");
    this.#heartbeat.registered("status");
  }

  /** PUTs the status override; false when the registry does not hold us (404). */
  async #putOverride(): Promise<boolean> {
    const sent = this.#status;
    const { status } = await registryRequest(`${this.#instanceUrl}/status?value=${sent}`, {
      method: "PUT",
      timeoutMs: this.#timeoutMs(),
      access: this.#access,
    });
    if (status === 404) return false;
    if (status !== 200 && status !== 204) {
      throw new DiscoveryError(
        "DISCOVERY_REGISTRY_REJECTED",
        `Status override answered ${status}: check the registry's log`,
      );
    }
    if (sent === this.#status) this.#statusStale = false;
    return true;
  }

  /** POSTs the registration with `#status`. */
  async #post(): Promise<void> {
    const body = toRegistrationBody(this.#options.instance, this.#status, {
      renewalIntervalInSecs: Math.max(1, Math.round(this.#renewIntervalMs() / 1000)),
      durationInSecs: this.#options.leaseDurationSec ?? 90,
    });
    const sent = this.#status;
    const { status } = await registryRequest(this.#appUrl, {
      method: "POST",
      body,
      timeoutMs: this.#timeoutMs(),
      access: this.#access,
    });
    if (status !== 204 && status !== 200) {
      throw new DiscoveryError(
        "DISCOVERY_REGISTRY_REJECTED",
        `Registration answered ${status}: check the registry's log`,
      );
    }
    // Even when closing meanwhile: the registry holds us now, so deregister() must know to remove us.
    this.#isRegistered = true;
    if (sent === this.#status) this.#statusStale = false;
  }
}
