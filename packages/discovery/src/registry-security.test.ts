import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { ConsulRegistrar } from "./consul-registrar.js";
import { EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { EurekaInstancer } from "./eureka-instancer.js";
import { EurekaRegistrar } from "./eureka-registrar.js";
import type { Instancer } from "./instancer.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { selfSigned } from "./testing/self-signed.js";
import { ids, next, snapshotWhere } from "./testing/snapshots.js";

const WRITE = "write-4d1f-secret";
const READ = "read-9c2e-secret";

// Every registry-facing client against a registry process started with --token, --read-token and TLS
// (registry-server `hooks/auth.ts`): registrars need the write token, instancers the read one, all trust the CA.
describe("registrars and instancers against a registry with tokens and TLS", () => {
  const cert = selfSigned();
  const registry = new RegistryProcess([
    ...["--token", WRITE, "--read-token", READ, "--tls-cert", cert.certFile, "--tls-key", cert.keyFile],
  ]);
  const closers: Array<() => unknown> = [];
  const errors: Error[] = [];
  beforeAll(() => registry.start());
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await registry.kill();
  });
  const tls = { ca: cert.ca };
  const track = <T extends { close(): unknown; onError: (fn: (e: Error) => void) => unknown }>(client: T): T => {
    client.onError((error) => errors.push(error));
    closers.push(() => client.close());
    return client;
  };

  it("registers and discovers over Eureka, the watch and Consul with the token and the CA", async () => {
    expect(registry.url).toMatch(/^https:/);
    let rotating = READ;
    const eureka = track(
      new EurekaRegistrar({
        registryUrl: registry.eurekaUrl,
        token: WRITE,
        tls,
        instance: { app: "secure", host: "127.0.0.1", port: 9001, instanceId: "secure-1" },
        renewIntervalMs: 200,
      }),
    );
    // Spring's way: the credentials in the URL, sent as Basic.
    const spring = track(
      new EurekaRegistrar({
        registryUrl: registry.eurekaUrl.replace("https://", `https://eureka:${WRITE}@`),
        tls,
        instance: { app: "secure", host: "127.0.0.1", port: 9002, instanceId: "secure-2" },
        renewIntervalMs: 200,
      }),
    );
    const consul = track(
      new ConsulRegistrar({
        consul: { host: "127.0.0.1", port: registry.port, token: () => WRITE, tls },
        service: { name: "secure", id: "secure-3", host: "127.0.0.1", port: 9003 },
        ttlSec: 3,
      }),
    );
    await Promise.all([eureka.register(), spring.register(), consul.register()]);
    const want = ["secure-1", "secure-2", "secure-3"];
    const instancers: Instancer[] = [
      track(
        new RegistryWatchInstancer({
          registryUrl: registry.eurekaUrl,
          service: "secure",
          token: () => rotating,
          tls,
          waitMs: 1_000,
        }),
      ),
      track(
        new EurekaDeltaInstancer({
          registryUrl: registry.eurekaUrl,
          service: "secure",
          token: READ,
          tls,
          pollIntervalMs: 100,
        }),
      ),
      track(
        new EurekaInstancer({
          registryUrl: registry.eurekaUrl,
          service: "secure",
          token: READ,
          tls,
          pollIntervalMs: 100,
        }),
      ),
      track(
        new ConsulInstancer({
          consul: { host: "127.0.0.1", port: registry.port, token: READ, tls },
          service: "secure",
          wait: "1s",
        }),
      ),
    ];
    for (const instancer of instancers) {
      await snapshotWhere(instancer, (s) => ids(s).join() === want.join());
    }
    expect(errors).toEqual([]);

    // A rotated token is read on the next request: a wrong one is refused, the right one works again.
    const watch = instancers[0] as RegistryWatchInstancer;
    rotating = "rotated-but-wrong";
    const refused = next(watch.onError);
    await eureka.setStatus("OUT_OF_SERVICE"); // wakes the watch, whose next request carries the wrong token
    const error = await refused;
    expect((error as { code?: string }).code).toBe("DISCOVERY_UNAUTHORIZED");
    rotating = READ;
    // Only UP instances are published: secure-1 leaves the set once the right token is back.
    await snapshotWhere(watch, (s) => ids(s).join() === "secure-2,secure-3");
  });

  it("reports a missing, wrong or read-only token and an untrusted certificate with a typed error, without the token", async () => {
    const seen: Error[] = [];
    const collect = <T extends { onError: (fn: (e: Error) => void) => unknown; close(): unknown }>(c: T): T => {
      c.onError((e) => seen.push(e));
      closers.push(() => c.close());
      return c;
    };
    const instance = { app: "secure", host: "127.0.0.1", port: 9009, instanceId: "nope" };
    const attempts = [
      collect(new EurekaRegistrar({ registryUrl: registry.eurekaUrl, tls, instance, retry: { initialMs: 10_000 } })),
      collect(
        new EurekaRegistrar({
          registryUrl: registry.eurekaUrl,
          token: READ,
          tls,
          instance,
          retry: { initialMs: 10_000 },
        }),
      ),
      collect(
        new EurekaRegistrar({
          registryUrl: registry.eurekaUrl.replace("https://", "https://u:wrong-pass@"),
          tls,
          instance,
          retry: { initialMs: 10_000 },
        }),
      ),
      collect(
        new EurekaRegistrar({ registryUrl: registry.eurekaUrl, token: WRITE, instance, retry: { initialMs: 10_000 } }),
      ),
    ];
    for (const registrar of attempts) void registrar.register();
    const consul = collect(
      new ConsulInstancer({
        consul: { host: "127.0.0.1", port: registry.port, token: "wrong", tls },
        service: "secure",
      }),
    );
    await next(consul.onError);
    while (seen.length < attempts.length + 1) await new Promise((resolve) => setImmediate(resolve));
    const codes = seen.map((e) => (e as { code?: string }).code).sort();
    expect(codes).toEqual([
      "DISCOVERY_REGISTRY_UNREACHABLE", // the CA is not trusted
      "DISCOVERY_UNAUTHORIZED", // Consul's 403, through the consul client
      "DISCOVERY_UNAUTHORIZED",
      "DISCOVERY_UNAUTHORIZED",
      "DISCOVERY_UNAUTHORIZED",
    ]);
    const text = seen.map((e) => `${e.message} ${String((e as { cause?: unknown }).cause ?? "")}`).join("\n");
    for (const secret of [WRITE, READ, "wrong-pass"]) expect(text).not.toContain(secret);
  });
});
