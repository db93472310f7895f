import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { ConsulRegistrar } from "./consul-registrar.js";
import { EurekaRegistrar } from "./eureka-registrar.js";
import { anyStatus } from "./filters.js";
import type { Instancer } from "./instancer.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { exited, spawnTs, waitForEvent } from "./testing/child-process.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { ids, next, snapshotWhere } from "./testing/snapshots.js";

interface HealthEntry {
  Service: { ID: string };
  Checks: Array<{ CheckID: string; Type: string; Status: string }>;
}

// The Consul backend against the registry's Consul API, all real: the registry CLI is a child process (killed and
// restarted on its port), the `consul` npm client speaks HTTP to it, and a crashed service is a killed process.
// Every wait is on an event (a JSON line, onChange, onRegister, onReset); vitest's timeout only guards hangs.
describe("Consul backend against the registry's Consul API", () => {
  // Test (4) reaps after a 1 s DeregisterCriticalServiceAfter: lower the registry's floor (Consul's 1 min) to 1 s.
  const registry = new RegistryProcess(["--check-deregister-min", "1"]);
  const cleanups: Array<() => unknown> = [];
  beforeAll(() => registry.start());
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await registry.kill();
  });

  const consul = () => ({ host: "127.0.0.1", port: registry.port });

  /** A registrar closed in afterAll (closing twice is harmless). TTL 1 s: passed every third of a second. */
  const registrar = (name: string, id: string, port: number, ttlSec = 1): ConsulRegistrar => {
    const r = new ConsulRegistrar({
      consul: consul(),
      service: { name, id, host: "127.0.0.1", port, tags: ["e2e"], meta: { zone: "z1" } },
      ttlSec,
      retry: { initialMs: 50 },
    });
    cleanups.push(() => r.close());
    return r;
  };

  const instancer = (service: string, restartGraceMs?: number): ConsulInstancer => {
    // A short wait and backoff keep a restart's recovery quick; Consul's semantics are the same at any length.
    const i = new ConsulInstancer({
      consul: consul(),
      service,
      wait: "5s",
      backoffFactorMs: 25,
      backoffMaxMs: 400,
      ...(restartGraceMs === undefined ? {} : { restartGraceMs }),
    });
    cleanups.push(() => i.close());
    return i;
  };

  /** A service process registered through ConsulRegistrar; killing it kills its pass loop, nothing deregisters. */
  const registeredChild = async (service: string, id: string, reapAfter?: string): Promise<ChildProcess> => {
    const child = spawnTs(new URL("./testing/consul-registered-child.ts", import.meta.url), {
      CONSUL_PORT: String(registry.port),
      SERVICE: service,
      SERVICE_ID: id,
      TTL_SEC: "1",
      ...(reapAfter ? { REAP_AFTER: reapAfter } : {}),
    });
    cleanups.push(() => child.kill("SIGKILL"));
    await waitForEvent(child, "registered");
    return child;
  };

  const crash = async (child: ChildProcess): Promise<void> => {
    const done = exited(child);
    child.kill("SIGKILL");
    await done;
  };

  /** Resolves once `watch` publishes exactly these instance ids (sorted). */
  const shows = (watch: Instancer, ...expected: string[]) =>
    snapshotWhere(watch, (s) => ids(s).join() === expected.join());

  /** An instancer on `service` and two registrars with TTL 2 s, resolved once the instancer sees both. */
  const twoRegistered = async (service: string, basePort: number) => {
    const watch = instancer(service);
    const a = registrar(service, `${service}-a`, basePort, 2);
    const b = registrar(service, `${service}-b`, basePort + 1, 2);
    await Promise.all([a.register(), b.register()]);
    await shows(watch, a.serviceId, b.serviceId);
    return { watch, a, b };
  };

  /** Every instance of a service with its checks, passing or not. */
  const health = async (service: string): Promise<HealthEntry[]> =>
    (await fetch(`${registry.url}/v1/health/service/${service}`)).json() as Promise<HealthEntry[]>;

  const agentServices = async (): Promise<string[]> =>
    Object.keys((await (await fetch(`${registry.url}/v1/agent/services`)).json()) as Record<string, unknown>);

  it("(1) registers with a passing TTL check; instances come, leave on close, and drop out when their pass loop dies", async () => {
    const watch = instancer("orders");
    const a = registrar("orders", "orders-a", 9001);
    await a.register();
    const first = await shows(watch, "orders-a");
    expect(first.instances[0]).toMatchObject({
      id: "orders-a",
      service: "orders",
      host: "127.0.0.1",
      port: 9001,
      status: "UP",
      zone: "z1",
      metadata: { zone: "z1", tags: "e2e" },
    });

    const crashing = await registeredChild("orders", "orders-c");
    await shows(watch, "orders-a", "orders-c");
    const b = registrar("orders", "orders-b", 9002);
    await b.register();
    await shows(watch, "orders-a", "orders-b", "orders-c");

    await b.close(); // deregisters: gone from the agent, not merely critical
    await shows(watch, "orders-a", "orders-c");
    expect(await agentServices()).not.toContain("orders-b");

    await crash(crashing);
    await shows(watch, "orders-a");
    // Still registered, but its TTL expired: critical, so `passing` leaves it out. orders-a's own 1 s TTL has run
    // out several times meanwhile, and its pass loop kept it passing.
    const entries = await health("orders");
    const checkOf = (id: string) => entries.find((e) => e.Service.ID === id)?.Checks.find((c) => c.Type === "ttl");
    expect(checkOf("orders-c")).toMatchObject({ CheckID: "service:orders-c", Status: "critical" });
    expect(checkOf("orders-a")).toMatchObject({ CheckID: "service:orders-a", Status: "passing" });
    expect(ids(watch.current())).toEqual(["orders-a"]);
  });

  it("(2) after a registry restart the instancers reset their index, the registrars register again, and the set comes back", async () => {
    const { watch, a, b } = await twoRegistered("payments", 9011);
    const bare = instancer("payments", 0); // no restart grace: publishes exactly what the registry answers
    await shows(bare, "payments-a", "payments-b");
    // A status round trip moves the service's index past what two registrations reach after the restart, so the
    // index the instancers hold is sure to go backwards (with equal indexes Consul's clients could not tell).
    await b.setStatus("DOWN");
    await Promise.all([shows(watch, "payments-a"), shows(bare, "payments-a")]);
    await b.setStatus("UP");
    await Promise.all([shows(watch, "payments-a", "payments-b"), shows(bare, "payments-a", "payments-b")]);

    const published: string[] = [];
    watch.onChange((s) => published.push(ids(s).join()));
    const failed = Promise.all([next(watch.onError), next(bare.onError)]);
    const resets = Promise.all([next(watch.onReset), next(bare.onReset)]);
    const back = Promise.all([next(a.onRegister), next(b.onRegister)]);
    await registry.kill();
    await failed;
    // The last good set keeps serving while the registry is down.
    expect([ids(watch.current()), ids(bare.current())]).toEqual([
      ["payments-a", "payments-b"],
      ["payments-a", "payments-b"],
    ]);
    await registry.start();

    for (const { from, to } of await resets) expect(to).toBeLessThan(from);
    expect(await back).toEqual([{ reason: "re-register" }, { reason: "re-register" }]);
    await shows(bare, "payments-a", "payments-b"); // the registry's own answer holds both again
    expect((await agentServices()).filter((id) => id.startsWith("payments")).sort()).toEqual([
      "payments-a",
      "payments-b",
    ]);
    // With the restart grace (the default) callers never saw the set shrink, even if the first answer after the
    // restart came before the registrars were back.
    expect(published.every((set) => set === "payments-a,payments-b")).toBe(true);
  });

  it("(3) OUT_OF_SERVICE puts the service in maintenance, out of the passing set; UP brings it back", async () => {
    const { watch, a } = await twoRegistered("inventory", 9021);

    await a.setStatus("OUT_OF_SERVICE");
    await shows(watch, "inventory-b");
    const entry = (await health("inventory")).find((e) => e.Service.ID === "inventory-a");
    expect(entry?.Checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ CheckID: "_service_maintenance:inventory-a", Status: "critical" }),
        // The TTL check keeps passing: the instance is healthy, only taken out of rotation.
        expect.objectContaining({ CheckID: "service:inventory-a", Status: "passing" }),
      ]),
    );

    await a.setStatus("UP");
    await shows(watch, "inventory-a", "inventory-b");
    const checks = (await health("inventory")).find((e) => e.Service.ID === "inventory-a")?.Checks ?? [];
    expect(checks.map((c) => c.CheckID)).not.toContain("_service_maintenance:inventory-a");
  });

  it("(4) DeregisterCriticalServiceAfter reaps a registration whose pass loop died", async () => {
    // Every status, so the instancer shows the step between passing and gone: DOWN (critical), then reaped.
    const watch = new RegistryWatchInstancer({ registryUrl: registry.eurekaUrl, service: "reaped", filter: anyStatus });
    cleanups.push(() => watch.close());
    const child = await registeredChild("reaped", "reaped-1", "1s");
    await snapshotWhere(watch, (s) => s.instances.some((i) => i.id === "reaped-1" && i.status === "UP"));

    await crash(child);
    await snapshotWhere(watch, (s) => s.instances.some((i) => i.id === "reaped-1" && i.status === "DOWN"));
    await shows(watch);
    expect(await agentServices()).not.toContain("reaped-1");
    expect(await health("reaped")).toEqual([]);
  });

  it("(5) one registry for both protocols: each instancer sees what the other protocol registered", async () => {
    const viaConsul = instancer("ledger");
    const viaEureka = new RegistryWatchInstancer({ registryUrl: registry.eurekaUrl, service: "ledger" });
    cleanups.push(() => viaEureka.close());

    const eureka = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      instance: { app: "ledger", host: "127.0.0.1", port: 9031, instanceId: "ledger-eureka", metadata: { v: "1" } },
      retry: { initialMs: 50 },
    });
    cleanups.push(() => eureka.close());
    const consulSide = registrar("ledger", "ledger-consul", 9032, 2);
    await Promise.all([eureka.register(), consulSide.register()]);

    const [seenByConsul, seenByEureka] = await Promise.all([
      shows(viaConsul, "ledger-consul", "ledger-eureka"),
      shows(viaEureka, "ledger-consul", "ledger-eureka"),
    ]);
    // The README's mapping: a Eureka instance in Consul is the app lower-cased, its metadata as Meta ...
    expect(seenByConsul.instances.find((i) => i.id === "ledger-eureka")).toMatchObject({
      service: "ledger",
      host: "127.0.0.1",
      port: 9031,
      status: "UP",
      metadata: { v: "1" },
    });
    // ... and a Consul service in Eureka is UP with its check status and tags in metadata.
    expect(seenByEureka.instances.find((i) => i.id === "ledger-consul")).toMatchObject({
      host: "127.0.0.1",
      port: 9032,
      status: "UP",
      metadata: { zone: "z1", "consul.checkStatus": "passing", "consul.tags": "e2e" },
    });

    await consulSide.close();
    await eureka.setStatus("OUT_OF_SERVICE"); // critical on the Consul side: out of the passing set
    await Promise.all([shows(viaConsul), shows(viaEureka)]);
  });
});
