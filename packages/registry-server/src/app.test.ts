import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { Registry } from "./registry.js";
import { registration } from "./test-fixtures.js";

const instance = (id: string, port?: unknown) => registration(id, port === undefined ? {} : { port });

describe("Eureka routes", () => {
  const app = buildApp({ registry: new Registry(), bodyLimit: 1024 });
  afterEach(() => app.inject({ method: "DELETE", url: "/eureka/apps/HELLO/a" }));

  it.each(["/eureka", "/eureka/v2"])("registers (204), renews (200), fetches and cancels under %s", async (prefix) => {
    const registered = await app.inject({ method: "POST", url: `${prefix}/apps/hello`, payload: instance("a", 8080) });
    expect(registered.statusCode).toBe(204);
    expect((await app.inject({ method: "PUT", url: `${prefix}/apps/HELLO/a` })).statusCode).toBe(200);

    const full = (
      await app.inject({ method: "GET", url: `${prefix}/apps`, headers: { accept: "application/json" } })
    ).json();
    const [application] = full.applications.application;
    expect(application.name).toBe("HELLO");
    expect(application.instance[0].port).toEqual({ $: 8080, "@enabled": "true" });
    expect(typeof application.instance[0].lastUpdatedTimestamp).toBe("string");
    expect(full.applications.apps__hashcode).toBe("UP_1_");

    expect((await app.inject({ method: "DELETE", url: `${prefix}/apps/HELLO/a` })).statusCode).toBe(200);
    expect((await app.inject({ method: "DELETE", url: `${prefix}/apps/HELLO/a` })).statusCode).toBe(404);
  });

  it("answers 404 to a renew of an unknown instance, which tells the client to register again", async () => {
    const renewed = await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/ghost" });
    expect(renewed.statusCode).toBe(404);
    // No body, as Eureka's: the Java client parses any body of a heartbeat answer as an InstanceInfo.
    expect(renewed.body).toBe("");
    expect(renewed.headers["x-outrigger-error-code"]).toBe("REGISTRY_NOT_FOUND");
  });

  it("keeps an application array, empty, when nothing is registered", async () => {
    const full = (
      await app.inject({ method: "GET", url: "/eureka/apps", headers: { accept: "application/json" } })
    ).json();
    expect(full.applications.application).toEqual([]);
  });

  it("refuses malformed JSON with 400 and an oversized body with 413, losing no registration", async () => {
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: instance("a") });
    const malformed = await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { "content-type": "application/json" },
      payload: '{"instance": {',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().code).toBe("REGISTRY_BAD_REQUEST");
    const huge = await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: { pad: "x".repeat(2048) } });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe("REGISTRY_BODY_TOO_LARGE");
    const one = (
      await app.inject({ method: "GET", url: "/eureka/apps/HELLO", headers: { accept: "application/json" } })
    ).json();
    expect(one.application.instance.map((i: { instanceId: string }) => i.instanceId)).toEqual(["a"]);
  });

  it("answers Eureka's 400 message for a registration without a host name", async () => {
    const body = instance("b");
    const { hostName: _dropped, ...rest } = body.instance;
    const response = await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: { instance: rest } });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toBe("Missing hostname");
  });

  it("refuses a registration whose app is not the path's, as Eureka does, and registers nothing", async () => {
    const response = await app.inject({ method: "POST", url: "/eureka/apps/OTHER", payload: instance("m") });
    expect([response.statusCode, response.json().message]).toEqual([
      400,
      "Mismatched appName, expecting OTHER but was HELLO",
    ]);
    const apps = await app.inject({ method: "GET", url: "/eureka/apps", headers: { accept: "application/json" } });
    expect(JSON.stringify(apps.json())).not.toContain('"m"');
  });
});
