import type Consul from "consul";
import type { BackoffOptions } from "./backoff.js";
import { type ConsulAddress, consulClient, releaseClient } from "./consul-client.js";
import { fromConsulError } from "./consul-wire.js";
import { Heartbeat, type RegisterReason } from "./heartbeat.js";
import type { Registrar } from "./registrar.js";
import type { InstanceStatus } from "./service-instance.js";

/** What a service tells Consul about itself. */
export interface ConsulServiceRegistration {
  readonly name: string;
  /** Unique per instance (default `name-host-port`). */
  readonly id?: string;
  readonly host: string;
  readonly port: number;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
}

/** Settings of a Consul registrar. */
export interface ConsulRegistrarOptions {
  /** The local agent (default 127.0.0.1:8500), or a `consul` client you configured yourself. */
  readonly consul?: ConsulAddress | Consul;
  readonly service: ConsulServiceRegistration;
  /** Status to register with (default UP). */
  readonly status?: InstanceStatus;
  /** TTL of the health check (default 15 s); the check is passed every third of it, so two passes may be lost. */
  readonly ttlSec?: number;
  /** Consul removes the service after its check has been critical this long (default "1m", Consul's minimum). */
  readonly deregisterCriticalServiceAfter?: string;
  /** Per-request timeout (default 5 s), so a hung agent never blocks the host. */
  readonly requestTimeoutMs?: number;
  /** Delays between attempts while the agent fails (default 500 ms doubling, capped at one pass interval). */
  readonly retry?: BackoffOptions;
  readonly random?: () => number;
}

/**
 * Registers a service with a Consul agent the way Consul recommends for processes that report their own health:
 * a TTL check passed on a loop, with `DeregisterCriticalServiceAfter` so a crashed instance is removed without
 * anyone deregistering it. Status maps to Consul: UP passes the check, STARTING and DOWN fail it (not `passing`:
 * no traffic), OUT_OF_SERVICE turns on maintenance mode. When a pass is refused (the agent restarted and forgot
 * us) it registers again. Failures go to `onError` and are retried with backoff; nothing throws into the host.
 */
export class ConsulRegistrar implements Registrar {
  readonly #options: ConsulRegistrarOptions;
  readonly #client: Consul;
  readonly #heartbeat: Heartbeat;
  readonly #checkId: string;
  #status: InstanceStatus;
  #isRegistered = false;
  #maintenance = false;

  /** Fires after each successful registration, with its reason. */
  readonly onRegister;
  /** Fires on each failed call to the agent. */
  readonly onError;
  /** The service id Consul knows this instance by. */
  readonly serviceId: string;

  constructor(options: ConsulRegistrarOptions) {
    this.#options = options;
    this.#client = consulClient(options.consul);
    const { service } = options;
    this.serviceId = service.id ?? `${service.name}-${service.host}-${service.port}`;
    this.#checkId = `service:${this.serviceId}`;
    this.#status = options.status ?? "UP";
    this.#heartbeat = new Heartbeat((reason) => this.#beat(reason), {
      // A third of the TTL: two passes may be lost before the check turns critical.
      intervalMs: ((options.ttlSec ?? 15) * 1000) / 3,
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.onRegister = this.#heartbeat.onRegister;
    this.onError = this.#heartbeat.onError;
  }

  /** Registers now and starts the pass loop; resolves once registered (retrying with backoff, never rejecting). */
  register(): Promise<void> {
    return this.#heartbeat.start();
  }

  /** Changes the status Consul reports; never rejects (the next pass retries it). */
  async setStatus(status: InstanceStatus): Promise<void> {
    this.#status = status;
    if (!this.#isRegistered || this.#heartbeat.stopped) return;
    await this.#heartbeat.idle();
    try {
      await this.#report();
    } catch (error) {
      this.#heartbeat.failed(fromConsulError(error, "a status change"));
    }
  }

  /** Stops the pass loop and deregisters; bounded by the request timeout. */
  async deregister(): Promise<void> {
    await this.#heartbeat.stop();
    if (!this.#isRegistered) return;
    this.#isRegistered = false;
    try {
      await this.#client.agent.service.deregister({ id: this.serviceId, ...this.#timeout() });
    } catch (error) {
      this.#heartbeat.failed(fromConsulError(error, "deregister"));
    }
  }

  /** Same as deregister, then closes the connections of a client it made. */
  async close(): Promise<void> {
    await this.deregister();
    releaseClient(this.#options.consul, this.#client);
  }

  #timeout(): { timeout: number } {
    return { timeout: this.#options.requestTimeoutMs ?? 5_000 };
  }

  async #beat(reason: RegisterReason): Promise<void> {
    try {
      if (!this.#isRegistered) return await this.#register(reason);
      try {
        await this.#report();
      } catch (error) {
        // An answer (not a network error) means the agent no longer knows the check: it restarted. Register again.
        if ((error as { response?: unknown }).response === undefined) throw error;
        await this.#register("re-register");
      }
    } catch (error) {
      throw fromConsulError(error, reason === "initial" ? "register" : "a pass");
    }
  }

  async #register(reason: RegisterReason): Promise<void> {
    const { service } = this.#options;
    const check = {
      checkid: this.#checkId,
      name: "outrigger TTL",
      ttl: `${this.#options.ttlSec ?? 15}s`,
      deregistercriticalserviceafter: this.#options.deregisterCriticalServiceAfter ?? "1m",
      status: this.#status === "UP" ? "passing" : "critical",
    };
    await this.#client.agent.service.register({
      name: service.name,
      id: this.serviceId,
      address: service.host,
      port: service.port,
      tags: [...(service.tags ?? [])],
      meta: { ...(service.meta ?? {}) },
      // A TTL check has no timeout of its own; the type asks for one that Consul ignores for TTL checks.
      check: check as typeof check & { timeout: string },
      ...this.#timeout(),
    });
    this.#isRegistered = true; // even when closing meanwhile, so deregister() removes us
    this.#maintenance = false;
    await this.#report();
    this.#heartbeat.registered(reason);
  }

  /** Tells the agent the current status: pass/fail the TTL check, maintenance on or off. */
  async #report(): Promise<void> {
    const out = this.#status === "OUT_OF_SERVICE";
    if (out !== this.#maintenance) {
      await this.#client.agent.service.maintenance({
        id: this.serviceId,
        enable: out,
        reason: "outrigger: OUT_OF_SERVICE",
        ...this.#timeout(),
      });
      this.#maintenance = out;
    }
    const note = { id: this.#checkId, note: `outrigger status ${this.#status}`, ...this.#timeout() };
    if (this.#status === "UP" || out) await this.#client.agent.check.pass(note);
    else await this.#client.agent.check.fail(note);
  }
}
