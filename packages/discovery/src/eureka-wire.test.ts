import { describe, expect, it } from "vitest";
import { fromEurekaInstance, parseApplication, registrationId, toRegistrationBody } from "./eureka-wire.js";

describe("Eureka wire format (client side)", () => {
  it("reads an instance in Eureka's codec shape", () => {
    const instance = fromEurekaInstance({
      instanceId: "i-1",
      app: "HELLO",
      hostName: "10.0.0.1",
      status: "UP",
      port: { $: 8080, "@enabled": "true" },
      securePort: { $: 8443, "@enabled": "false" },
      metadata: { "@class": "java.util.Collections$EmptyMap", zone: "eu-1a", weight: "3" },
    });
    expect(instance).toEqual({
      id: "i-1",
      service: "hello",
      host: "10.0.0.1",
      port: 8080,
      secure: false,
      status: "UP",
      zone: "eu-1a",
      weight: 3,
      metadata: { zone: "eu-1a", weight: "3" },
    });
  });

  it("uses the secure port when only it is enabled", () => {
    const instance = fromEurekaInstance({
      hostName: "h",
      port: { $: 80, "@enabled": "false" },
      securePort: { $: 443, "@enabled": "true" },
    });
    expect(instance).toMatchObject({ port: 443, secure: true, status: "UNKNOWN", id: "h" });
  });

  it("skips an instance without a host, and reads a single instance object as a list", () => {
    expect(fromEurekaInstance({ port: 1 })).toBeUndefined();
    expect(parseApplication({ application: { instance: { hostName: "h", port: 1 } } })).toHaveLength(1);
    expect(() => parseApplication({ nope: true })).toThrow(/application object/);
  });

  it("builds a register body a stock Eureka server accepts", () => {
    const registration = { app: "hello", host: "127.0.0.1", port: 9000, zone: "z1" };
    expect(registrationId(registration)).toBe("127.0.0.1:hello:9000");
    const body = toRegistrationBody(registration, "UP", { renewalIntervalInSecs: 30, durationInSecs: 90 }) as {
      instance: Record<string, unknown>;
    };
    expect(body.instance).toMatchObject({
      app: "HELLO",
      hostName: "127.0.0.1",
      ipAddr: "127.0.0.1",
      port: { $: 9000, "@enabled": "true" },
      dataCenterInfo: { name: "MyOwn" },
      metadata: { zone: "z1" },
    });
  });
});
