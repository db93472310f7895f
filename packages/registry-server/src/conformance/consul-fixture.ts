import type { EventEmitter } from "node:events";
import Consul from "consul";
import { afterEach } from "vitest";
import { type RegistryProcess, spawnRegistry } from "../e2e/spawn-registry.js";

/** A real `outrigger-registry` process and an unmodified `consul` npm client pointed at it. */
export interface ConsulFixture {
  readonly registry: RegistryProcess;
  readonly url: string;
  readonly consul: Consul;
  /** A raw request to the registry, timed; `ms` is how long the answer took. */
  request(path: string, init?: RequestInit): Promise<TimedAnswer>;
  close(): Promise<void>;
}

/** A raw HTTP answer with its index header and how long it took. */
export interface TimedAnswer {
  readonly status: number;
  readonly index: number;
  readonly body: string;
  readonly ms: number;
  readonly headers: Headers;
}

/** Starts the registry CLI with `args` (and `--port 0`) and a `consul` client for it. */
export async function startConsulFixture(
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ConsulFixture> {
  const registry = await spawnRegistry(["--port", "0", ...args], env);
  const consul = new Consul({ host: "127.0.0.1", port: registry.port });
  return {
    registry,
    url: registry.url,
    consul,
    async request(path, init) {
      const started = performance.now();
      const res = await fetch(`${registry.url}${path}`, init);
      const body = await res.text();
      return {
        status: res.status,
        index: Number(res.headers.get("x-consul-index") ?? res.headers.get("x-outrigger-index")),
        body,
        ms: performance.now() - started,
        headers: res.headers,
      };
    },
    async close() {
      consul.destroy();
      await registry.stop();
    },
  };
}

/** A Eureka registration body for `app`/`id`, with an optional lease in seconds. */
export function eurekaBody(app: string, id: string, leaseSecs?: number): string {
  return JSON.stringify({
    instance: {
      instanceId: id,
      app,
      hostName: "127.0.0.1",
      ipAddr: "127.0.0.1",
      status: "UP",
      port: { $: 9000, "@enabled": "true" },
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      ...(leaseSecs === undefined ? {} : { leaseInfo: { durationInSecs: leaseSecs, renewalIntervalInSecs: 1 } }),
    },
  });
}

/** Registers over Eureka (`POST /eureka/apps/{APP}`); resolves with the HTTP status. */
export async function registerEureka(url: string, app: string, id: string, leaseSecs?: number): Promise<number> {
  const res = await fetch(`${url}/eureka/apps/${app}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: eurekaBody(app, id, leaseSecs),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Collects a `consul.watch`'s change events so a test can await the next one that matches. */
export class WatchEvents<T> {
  readonly #seen: { data: T; at: number }[] = [];
  readonly #waiting = new Set<() => void>();
  readonly errors: unknown[] = [];
  #from = 0;

  constructor(watch: EventEmitter) {
    watch.on("change", (data: T) => {
      this.#seen.push({ data, at: performance.now() });
      this.#wake();
    });
    watch.on("error", (error: unknown) => {
      this.errors.push(error);
      this.#wake();
    });
  }

  #wake(): void {
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }

  /** How many change events arrived so far. */
  get count(): number {
    return this.#seen.length;
  }

  /** The next change (after the last one matched) for which `match` holds, and when it arrived. */
  async next(match: (data: T) => boolean): Promise<{ data: T; at: number }> {
    for (;;) {
      const at = this.#seen.findIndex((event, i) => i >= this.#from && match(event.data));
      const found = this.#seen[at];
      if (found) {
        this.#from = at + 1;
        return found;
      }
      await new Promise<void>((wake) => this.#waiting.add(wake));
    }
  }

  /** Waits for the next error event. */
  async nextError(): Promise<unknown> {
    const before = this.errors.length;
    while (this.errors.length === before) await new Promise<void>((wake) => this.#waiting.add(wake));
    return this.errors[before];
  }
}

/**
 * For the tests of one `describe`: `start()` a fixture, closed after the test that started it; `stop(f)` closes one
 * earlier (a registry restart), so it is not closed twice.
 */
export function consulFixturesPerTest(): {
  start(): Promise<ConsulFixture>;
  stop(fixture: ConsulFixture): Promise<void>;
} {
  const running: ConsulFixture[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((f) => f.close()));
  });
  return {
    async start() {
      const fixture = await startConsulFixture();
      running.push(fixture);
      return fixture;
    },
    async stop(fixture) {
      running.splice(running.indexOf(fixture), 1);
      await fixture.close();
    },
  };
}
