import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { WATCH_MIN_GZIP_BYTES } from "./response-cache.js";
import { parseWait } from "./watch.js";
import { RUN_TAGS } from "./watch-index.js";

const payload = (id: string, app = "HELLO") => ({
  instance: {
    instanceId: id,
    app,
    hostName: "127.0.0.1",
    ipAddr: "127.0.0.1",
    port: 80,
    dataCenterInfo: { name: "MyOwn" },
  },
});

describe("watch (long poll) and delta", () => {
  it("holds a watch at the current index and answers the moment the application changes", async () => {
    const registry = new Registry();
    const app = buildApp({ registry, indexRunTag: 7 });
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: payload("a") });
    const first = await app.inject({ method: "GET", url: "/outrigger/watch/apps/hello" });
    const index = first.headers["x-outrigger-index"];
    expect(index).toBe(String(1 * RUN_TAGS + 7)); // one change, this run's tag
    expect(first.json().application.instance).toHaveLength(1);

    let answered = false;
    const held = app.inject({ method: "GET", url: `/outrigger/watch/apps/HELLO?index=${index}&wait=60s` }).then((r) => {
      answered = true;
      return r;
    });
    // A change to another application does not wake this watch.
    await app.inject({ method: "POST", url: "/eureka/apps/OTHER", payload: payload("x", "OTHER") });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: payload("b") });
    const response = await held;
    expect(response.headers["x-outrigger-index"]).toBe(String(3 * RUN_TAGS + 7));
    expect(
      response
        .json()
        .application.instance.map((i: { instanceId: string }) => i.instanceId)
        .sort(),
    ).toEqual(["a", "b"]);
  });

  it("answers at once, with an empty instance array, for an unknown application or an index from the future", async () => {
    const app = buildApp({ registry: new Registry(), indexRunTag: 5 });
    const unknown = await app.inject({ method: "GET", url: "/outrigger/watch/apps/NOPE?index=42&wait=60s" });
    expect(unknown.statusCode).toBe(200);
    expect(unknown.headers["x-outrigger-index"]).toBe("5"); // no change yet: count 0, this run's tag
    // `policy` is the service's traffic policy (none here): it travels in the same answer as the instances.
    expect(unknown.json()).toEqual({ application: { name: "NOPE", instance: [] }, policy: null });
    const bad = await app.inject({ method: "GET", url: "/outrigger/watch/apps/NOPE?index=x" });
    expect(bad.statusCode).toBe(400);
  });

  it("answers a small watch uncompressed even when gzip is accepted, a large one gzip", async () => {
    const registry = new Registry();
    const app = buildApp({ registry });
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: payload("a") });
    const watch = () =>
      app.inject({
        method: "GET",
        url: "/outrigger/watch/apps/HELLO",
        headers: { "accept-encoding": "gzip, deflate" },
      });
    // What Node's fetch (undici) asks for by default: one instance is a few hundred bytes, below one segment.
    const small = await watch();
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(small.json().application.instance).toHaveLength(1);
    for (let i = 0; i < 20; i += 1) {
      await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: payload(`b${i}`) });
    }
    const large = await watch();
    expect(large.rawPayload.length).toBeLessThan(WATCH_MIN_GZIP_BYTES);
    expect(large.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(large.rawPayload).toString()).application.instance).toHaveLength(21);
  });

  it("parses waits in Consul's style and caps them", () => {
    expect(parseWait("30s")).toBe(30_000);
    expect(parseWait("250ms")).toBe(250);
    expect(parseWait("2m")).toBe(120_000);
    expect(parseWait("99m")).toBe(600_000);
    expect(parseWait(undefined)).toBe(30_000);
    expect(parseWait("soon")).toBeUndefined();
  });

  it("serves the changes of the delta window with their action and the full registry's hash code", async () => {
    let now = 0;
    const registry = new Registry({ clock: { now: () => now }, deltaRetentionMs: 180_000 });
    const app = buildApp({ registry });
    registry.register(parseRegistration(payload("old"), "hello", now));
    now += 200_000; // "old" falls out of the window
    registry.register(parseRegistration(payload("a"), "hello", now));
    registry.register(parseRegistration(payload("b"), "hello", now));
    registry.cancel("hello", "a");
    const delta = (
      await app.inject({ method: "GET", url: "/eureka/apps/delta", headers: { accept: "application/json" } })
    ).json().applications;
    expect(delta.apps__hashcode).toBe("UP_2_");
    const actions = delta.application[0].instance.map((i: { instanceId: string; actionType: string }) => [
      i.instanceId,
      i.actionType,
    ]);
    expect(actions.sort()).toEqual([
      ["a", "DELETED"],
      ["b", "ADDED"],
    ]);
    const empty = buildApp({ registry: new Registry() });
    expect(
      (
        await empty.inject({ method: "GET", url: "/eureka/v2/apps/delta", headers: { accept: "application/json" } })
      ).json().applications.application,
    ).toEqual([]);
  });
});
