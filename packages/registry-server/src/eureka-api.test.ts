import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { Registry } from "./registry.js";
import { registration } from "./test-fixtures.js";

const replicated = {
  accept: "application/json",
  "x-netflix-discovery-replication": "true",
};

async function setup() {
  const registry = new Registry();
  const app = buildApp({ registry });
  await app.inject({
    method: "POST",
    url: "/eureka/apps/HELLO",
    payload: registration("a", { lastDirtyTimestamp: "1000" }),
  });
  return { registry, app };
}

describe("Eureka API: renew with status, overriddenstatus and lastDirtyTimestamp", () => {
  it("answers 200 when timestamps match or the server's copy is newer for a client renew", async () => {
    const { app } = await setup();
    expect(
      (await app.inject({ method: "PUT", url: "/eureka/apps/hello/a?status=UP&lastDirtyTimestamp=1000" })).statusCode,
    ).toBe(200);
    expect((await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a?lastDirtyTimestamp=900" })).statusCode).toBe(
      200,
    );
  });

  it("answers 404 when the client's copy is newer, so it registers again", async () => {
    const { app } = await setup();
    const res = await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a?lastDirtyTimestamp=2000" });
    expect(res.statusCode).toBe(404);
  });

  it("answers 409 with the server's instance to a replicated renew whose copy is older", async () => {
    const { app } = await setup();
    const res = await app.inject({
      method: "PUT",
      url: "/eureka/apps/HELLO/a?lastDirtyTimestamp=900",
      headers: replicated,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().instance).toMatchObject({ instanceId: "a", lastDirtyTimestamp: "1000" });
  });

  it("takes a replicated overriddenstatus only from a newer copy (Eureka's InstanceResource.renewLease), nonsense ignored", async () => {
    const { app, registry } = await setup();
    const stale = await app.inject({
      method: "PUT",
      url: "/eureka/apps/HELLO/a?overriddenstatus=OUT_OF_SERVICE&lastDirtyTimestamp=900",
      headers: replicated,
    });
    // A 409 means nothing of the stale copy was applied.
    expect(stale.statusCode).toBe(409);
    expect(registry.get("HELLO", "a")?.info).toMatchObject({ status: "UP", overriddenStatus: "UNKNOWN" });
    const newer = await app.inject({
      method: "PUT",
      url: "/eureka/apps/HELLO/a?overriddenstatus=OUT_OF_SERVICE&lastDirtyTimestamp=2000",
      headers: replicated,
    });
    expect(newer.statusCode).toBe(404);
    expect(registry.get("HELLO", "a")?.info.overriddenStatus).toBe("OUT_OF_SERVICE");
    // The next renew applies the stored override as the status (Eureka's AbstractInstanceRegistry.renew).
    await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a" });
    expect(registry.get("HELLO", "a")?.info.status).toBe("OUT_OF_SERVICE");
    // A status renewLease would not parse is ignored, never a 400 that stops the client's heartbeats.
    const odd = await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a?status=SLEEPY" });
    expect(odd.statusCode).toBe(200);
    expect(registry.get("HELLO", "a")?.info.status).toBe("OUT_OF_SERVICE");
  });
});

describe("Eureka API: reads", () => {
  it("serves one instance under apps/{APP}/{ID} and instances/{ID}, 404 when unknown", async () => {
    const { app } = await setup();
    expect(
      (await app.inject({ url: "/eureka/v2/apps/hello/a", headers: { accept: "application/json" } })).json().instance
        .instanceId,
    ).toBe("a");
    expect(
      (await app.inject({ url: "/eureka/instances/a", headers: { accept: "application/json" } })).json().instance.app,
    ).toBe("HELLO");
    expect(
      (await app.inject({ url: "/eureka/instances/nope", headers: { accept: "application/json" } })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ url: "/eureka/apps/HELLO/nope", headers: { accept: "application/json" } })).json().code,
    ).toBe("REGISTRY_NOT_FOUND");
  });

  it("serves vips and svips, matching comma-separated vip lists", async () => {
    const { app } = await setup();
    await app.inject({
      method: "POST",
      url: "/eureka/apps/OTHER",
      payload: registration("o", { app: "other", vipAddress: "shared,other", secureVipAddress: "secure-other" }),
    });
    const vip = (await app.inject({ url: "/eureka/vips/shared", headers: { accept: "application/json" } })).json();
    expect(vip.applications.application.map((a: { name: string }) => a.name)).toEqual(["OTHER"]);
    // ResponseCacheImpl.getApplicationsForVip: the sent address split at commas as it is, compared exactly; an
    // instance that sent no vip (HELLO here) answers to none and shows none.
    const apps = async (path: string) =>
      (await app.inject({ url: path, headers: { accept: "application/json" } })).json().applications.application;
    expect(await apps("/eureka/vips/hello")).toEqual([]);
    expect(await apps("/eureka/vips/SHARED")).toEqual([]);
    expect(await apps("/eureka/apps")).toContainEqual(
      expect.objectContaining({
        name: "HELLO",
        instance: [expect.not.objectContaining({ vipAddress: expect.anything() })],
      }),
    );
    await app.inject({
      method: "POST",
      url: "/eureka/apps/SPACED",
      payload: registration("s", { app: "spaced", vipAddress: "a, b" }),
    });
    expect((await apps("/eureka/vips/%20b")).map((a: { name: string }) => a.name)).toEqual(["SPACED"]);
    expect(await apps("/eureka/vips/b")).toEqual([]);
    // A vip outside Latin-1 is a plain lookup: its text once went into the ETag, which Node refuses (a 500).
    const odd = await app.inject({ url: "/eureka/vips/%E2%82%AC", headers: { accept: "application/json" } });
    expect([odd.statusCode, odd.json().applications.application]).toEqual([200, []]);
    expect(
      (await app.inject({ url: "/eureka/svips/secure-other", headers: { accept: "application/json" } })).json()
        .applications.application,
    ).toHaveLength(1);
    expect(
      (await app.inject({ url: "/eureka/svips/none", headers: { accept: "application/json" } })).json().applications
        .application,
    ).toEqual([]);
  });

  it("keeps an empty delta's application array and the full registry's hash code", async () => {
    const registry = new Registry({ deltaRetentionMs: 0 });
    const app = buildApp({ registry });
    const delta = (await app.inject({ url: "/eureka/apps/delta", headers: { accept: "application/json" } })).json();
    expect(delta.applications).toEqual({ versions__delta: "0", apps__hashcode: "", application: [] });
  });

  it("sorts the hash code by status: DOWN before UP", async () => {
    const { app } = await setup();
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("b", { status: "DOWN" }) });
    expect(
      (await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } })).json().applications
        .apps__hashcode,
    ).toBe("DOWN_1_UP_1_");
  });

  it("answers gzip when asked, and plain JSON otherwise", async () => {
    const { app } = await setup();
    const zipped = await app.inject({
      url: "/eureka/apps",
      headers: { accept: "application/json", "accept-encoding": "gzip" },
    });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(zipped.rawPayload).toString()).applications.application).toHaveLength(1);
    expect(
      (await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } })).headers["content-encoding"],
    ).toBeUndefined();
  });

  it("serves server statistics and self-preservation on /eureka/status", async () => {
    const { app } = await setup();
    const status = (await app.inject({ url: "/eureka/status", headers: { accept: "application/json" } })).json();
    expect(status.instanceCount).toBe(1);
    expect(status.applications).toEqual([{ name: "HELLO", instances: 1, byStatus: { UP: 1 } }]);
    expect(status.selfPreservation).toMatchObject({ enabled: true, expectedRenewsPerMinute: 2, threshold: 1 });
    expect(typeof status.selfPreservation.reason).toBe("string");
    expect(status.generalStats["num-of-cpus"]).toMatch(/^\d+$/);
  });
});

describe("Eureka API: status override and metadata", () => {
  it("overrides the status with PUT …/status and removes it with DELETE, visible at once", async () => {
    const { app } = await setup();
    expect(
      (await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a/status?value=OUT_OF_SERVICE" })).statusCode,
    ).toBe(200);
    let instance = (await app.inject({ url: "/eureka/apps/HELLO", headers: { accept: "application/json" } })).json()
      .application.instance[0];
    expect(instance).toMatchObject({ status: "OUT_OF_SERVICE", overriddenStatus: "OUT_OF_SERVICE" });
    // A client's re-registration does not undo an override set on the server.
    await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      payload: registration("a", { lastDirtyTimestamp: String(Date.now() + 10_000) }),
    });
    instance = (await app.inject({ url: "/eureka/apps/HELLO", headers: { accept: "application/json" } })).json()
      .application.instance[0];
    expect(instance.status).toBe("OUT_OF_SERVICE");
    expect((await app.inject({ method: "DELETE", url: "/eureka/apps/HELLO/a/status?value=UP" })).statusCode).toBe(200);
    instance = (await app.inject({ url: "/eureka/apps/HELLO", headers: { accept: "application/json" } })).json()
      .application.instance[0];
    expect(instance).toMatchObject({ status: "UP", overriddenStatus: "UNKNOWN" });
    expect((await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/zz/status?value=UP" })).statusCode).toBe(404);
    expect((await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/a/status" })).statusCode).toBe(400);
  });

  it("merges metadata from PUT …/metadata?k=v, storing __proto__ as plain data", async () => {
    const { app, registry } = await setup();
    const res = await app.inject({
      method: "PUT",
      url: "/eureka/apps/HELLO/a/metadata?zone=eu-1&__proto__=x&constructor=y",
    });
    expect(res.statusCode).toBe(200);
    const metadata = (await app.inject({ url: "/eureka/apps/HELLO/a", headers: { accept: "application/json" } })).json()
      .instance.metadata;
    expect(metadata).toMatchObject({ zone: "eu-1", constructor: "y" });
    expect(Object.getPrototypeOf(registry.get("HELLO", "a")?.info.metadata ?? {})).toBeNull();
    expect(({} as Record<string, unknown>).zone).toBeUndefined();
    expect((await app.inject({ method: "PUT", url: "/eureka/apps/HELLO/zz/metadata?a=b" })).statusCode).toBe(404);
  });
});

describe("Eureka API: freshness", () => {
  it("answers 304 to a matching If-None-Match and a new ETag right after a write", async () => {
    const { app } = await setup();
    const first = await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } });
    const etag = String(first.headers.etag);
    expect(
      (await app.inject({ url: "/eureka/apps", headers: { accept: "application/json", "if-none-match": etag } }))
        .statusCode,
    ).toBe(304);
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("b") });
    const after = await app.inject({
      url: "/eureka/apps",
      headers: { accept: "application/json", "if-none-match": etag },
    });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    expect(after.json().applications.application[0].instance).toHaveLength(2);
  });

  it("reflects a cancel in the very next full fetch (no read cache delay)", async () => {
    const { app } = await setup();
    await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } });
    await app.inject({ method: "DELETE", url: "/eureka/apps/HELLO/a" });
    expect(
      (await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } })).json().applications
        .application,
    ).toEqual([]);
  });

  it("accepts app names in any case, ports as strings, @enabled as boolean, no @class", async () => {
    const { app } = await setup();
    const res = await app.inject({
      method: "POST",
      url: "/eureka/apps/MiXeD/",
      payload: registration("m", {
        app: "mixed",
        port: { $: "9090", "@enabled": true },
        dataCenterInfo: { name: "MyOwn" },
      }),
    });
    expect(res.statusCode).toBe(204);
    const instance = (await app.inject({ url: "/eureka/apps/mixed", headers: { accept: "application/json" } })).json()
      .application.instance[0];
    expect(instance.port).toEqual({ $: 9090, "@enabled": "true" });
  });
});

describe("Eureka API: lenient and safe input", () => {
  it("accepts a renew with a JSON content type and no body", async () => {
    const { app } = await setup();
    const res = await app.inject({
      method: "PUT",
      url: "/eureka/apps/HELLO/a",
      headers: { "content-type": "application/json" },
    });
    expect(res.statusCode).toBe(200);
  });

  it("stores registration metadata keys like __proto__ as plain data", async () => {
    const { app } = await setup();
    const payload = `{"instance":{"instanceId":"p","app":"HELLO","hostName":"h","ipAddr":"1.2.3.4","dataCenterInfo":{"name":"MyOwn"},"metadata":{"__proto__":{"polluted":"yes"},"constructor":"c","zone":"z"}}}`;
    const res = await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { "content-type": "application/json" },
      payload,
    });
    expect(res.statusCode).toBe(204);
    const metadata = (await app.inject({ url: "/eureka/apps/HELLO/p", headers: { accept: "application/json" } })).json()
      .instance.metadata;
    expect(metadata).toEqual({ constructor: "c", zone: "z" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const bad = await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { "content-type": "application/json" },
      payload: "{nope",
    });
    expect(bad.json()).toMatchObject({
      code: "REGISTRY_BAD_REQUEST",
      message: expect.stringMatching(/^Malformed JSON body/),
    });
  });
});
