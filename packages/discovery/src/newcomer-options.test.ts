// What a newcomer got wrong on the first try, each refused at construction with DISCOVERY_INVALID_OPTION and a
// message naming the option (before: accepted, then an unreachable instance in every client, a request to nowhere,
// or a watch on `/apps/`). Eureka checks no port range itself (Netflix/eureka
// eureka-client/src/main/java/com/netflix/appinfo/InstanceInfo.java stores any int; eureka-core
// ApplicationResource.addInstance checks only id, host, IP, app and data center), so the client has to.
// And a registrar given the registry's read-only token is told that the token lacks write permission.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";
import { EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { EurekaInstancer } from "./eureka-instancer.js";
import { EurekaRegistrar } from "./eureka-registrar.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { next } from "./testing/snapshots.js";

const instance = { app: "orders", host: "127.0.0.1", port: 8080 };
const registryUrl = "http://127.0.0.1:1/eureka";

function refusal(make: () => unknown): { code?: string; message: string } {
  try {
    const made = make() as { close?: () => unknown };
    void made.close?.();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  return { message: "accepted" };
}

describe("options refused at construction", () => {
  it.each([
    ["port −1", -1],
    ["port 70000", 70_000],
    ["port 0", 0],
    ["port 80.5", 80.5],
    ["port NaN", Number.NaN],
  ])("EurekaRegistrar refuses %s, naming instance.port", (_, port) => {
    const error = refusal(() => new EurekaRegistrar({ registryUrl, instance: { ...instance, port } }));
    expect(error).toMatchObject({ code: "DISCOVERY_INVALID_OPTION" });
    expect(error.message).toMatch(/^instance\.port must be a finite integer between 1 and 65535, got/);
  });

  it("EurekaRegistrar takes ports 1 and 65535", () => {
    for (const port of [1, 65_535]) {
      expect(refusal(() => new EurekaRegistrar({ registryUrl, instance: { ...instance, port } })).message).toBe(
        "accepted",
      );
    }
  });

  it("EurekaRegistrar refuses an empty app or host (Eureka's own 400 'Missing appName' / 'Missing hostname')", () => {
    for (const [option, bad] of [
      ["instance.app", { ...instance, app: "" }],
      ["instance.host", { ...instance, host: " " }],
    ] as const) {
      const error = refusal(() => new EurekaRegistrar({ registryUrl, instance: bad }));
      expect(error).toMatchObject({ code: "DISCOVERY_INVALID_OPTION" });
      expect(error.message).toContain(`${option} must be a non-empty string`);
    }
  });

  it("every registry client refuses a registry URL that is not http(s), without showing its credentials", () => {
    const ftp = "ftp://admin:hunter2@registry.example/eureka";
    const clients = [
      () => new EurekaRegistrar({ registryUrl: ftp, instance }),
      () => new EurekaInstancer({ registryUrl: ftp, service: "orders" }),
      () => new EurekaDeltaInstancer({ registryUrl: ftp, service: "orders" }),
      () => new RegistryWatchInstancer({ registryUrl: ftp, service: "orders" }),
    ];
    for (const make of clients) {
      const error = refusal(make);
      expect(error).toMatchObject({ code: "DISCOVERY_INVALID_OPTION" });
      expect(error.message).toMatch(/^registryUrl must be an http:\/\/ or https:\/\/ URL, got a ftp: URL/);
      expect(error.message).not.toContain("hunter2");
    }
  });

  it("every instancer refuses an empty or blank service", () => {
    const url = "http://127.0.0.1:1";
    const makers = [
      (service: string) => new RegistryWatchInstancer({ registryUrl: url, service }),
      (service: string) => new EurekaInstancer({ registryUrl: `${url}/eureka`, service }),
      (service: string) => new EurekaDeltaInstancer({ registryUrl: `${url}/eureka`, service }),
      (service: string) => new ConsulInstancer({ consul: { host: "127.0.0.1", port: 1 }, service }),
    ];
    for (const make of makers) {
      for (const service of ["", "  "]) {
        const error = refusal(() => make(service));
        expect(error).toMatchObject({ code: "DISCOVERY_INVALID_OPTION" });
        expect(error.message).toContain("service must be a non-empty string");
      }
    }
  });
});

describe("a registrar with the registry's read-only token", () => {
  const WRITE = "write-77aa-secret";
  const READ = "read-31bd-secret";
  const registry = new RegistryProcess(["--token", WRITE, "--read-token", READ]);
  beforeAll(() => registry.start());
  afterAll(() => registry.kill());

  /** The first error of a registrar with `token` (or none) registering against the registry. */
  async function firstError(instanceId: string, token?: string): Promise<Error & { code?: string }> {
    const registrar = new EurekaRegistrar({
      registryUrl: registry.eurekaUrl,
      ...(token ? { token } : {}),
      instance: { ...instance, instanceId },
      retry: { initialMs: 60_000 },
    });
    const failed = next(registrar.onError);
    void registrar.register();
    const error = await failed;
    await registrar.close();
    return error;
  }

  it("gets DISCOVERY_UNAUTHORIZED saying the token lacks write permission, without the token", async () => {
    const error = await firstError("read-only-1", READ);
    expect(error.code).toBe("DISCOVERY_UNAUTHORIZED");
    expect(error.message).toContain("(403): the token lacks write permission");
    expect(error.message).toContain("write token");
    expect(error.message).not.toContain(READ);
    expect(error.message).not.toContain(WRITE);
  });

  it("a missing token is a 401 that asks for the token", async () => {
    const error = await firstError("no-token-1");
    expect(error.code).toBe("DISCOVERY_UNAUTHORIZED");
    expect(error.message).toContain("(401): the token is missing or wrong");
  });
});
