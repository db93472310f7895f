import { rmSync } from "node:fs";
import { type Load, steadyLoad } from "./load.js";
import { RegistryProcess, type Running, startService, stop } from "./processes.js";

/** How a fleet test points the example at its registry. */
export interface FleetOptions {
  /** A config directory for `service` on the registry at `registryUrl` (removed when the fleet stops). */
  configDir(service: "inventory" | "orders", registryUrl: string): string;
  /** Resolves once the registry lists each of `ports` to callers. */
  listed(registryUrl: string, ports: readonly number[]): Promise<unknown>;
}

/**
 * The example as real processes: a registry, two inventory instances, and orders under steady load
 * (GET /order → lb://inventory/items), for the fleet tests on Eureka and on Consul.
 */
export class Fleet {
  readonly registry = new RegistryProcess();
  readonly inventory: Running[] = [];
  ordersDir = "";
  readonly #dirs: string[] = [];
  #orders: Running | undefined;
  #load: Load | undefined;

  constructor(readonly options: FleetOptions) {}

  get orders(): Running {
    if (!this.#orders) throw new Error("the fleet has not started");
    return this.#orders;
  }

  get load(): Load {
    if (!this.#load) throw new Error("the fleet has not started");
    return this.#load;
  }

  /** Starts one more inventory instance and waits until the registry lists it. */
  async startInventory(): Promise<Running> {
    const dir = this.options.configDir("inventory", this.registry.url);
    this.#dirs.push(dir);
    const running = await startService("inventory", dir);
    this.inventory.push(running);
    await this.options.listed(this.registry.url, [running.port]);
    return running;
  }

  /** The registry, two inventory instances, orders, then load until 50 answers came. */
  async start(): Promise<void> {
    await this.registry.start();
    await Promise.all([this.startInventory(), this.startInventory()]);
    this.ordersDir = this.options.configDir("orders", this.registry.url);
    this.#dirs.push(this.ordersDir);
    this.#orders = await startService("orders", this.ordersDir);
    this.#load = steadyLoad(`http://127.0.0.1:${this.#orders.port}/order`);
    await this.#load.answers(50);
  }

  /** Stops the load, kills every process and removes the config directories. */
  async stop(): Promise<void> {
    await this.#load?.stop();
    await Promise.all([...this.inventory, ...(this.#orders ? [this.#orders] : [])].map((r) => stop(r, "SIGKILL")));
    await this.registry.kill();
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
  }
}
