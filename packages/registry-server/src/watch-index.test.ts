import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { RUN_TAGS, RunIndex } from "./watch-index.js";

const payload = (id: string) => ({
  instance: {
    instanceId: id,
    app: "HELLO",
    hostName: "127.0.0.1",
    ipAddr: "127.0.0.1",
    port: 80,
    dataCenterInfo: { name: "MyOwn" },
  },
});

describe("RunIndex: the indexes of the watch and of the Consul API", () => {
  it("numbers a lone registry's changes with its run tag, a cluster's with the plain merged count", () => {
    const registry = new Registry();
    const indexes = new RunIndex(registry, RUN_TAGS + 3); // taken modulo RUN_TAGS
    expect(indexes.app("HELLO")).toBe(3);
    registry.register(parseRegistration(payload("a"), "hello", 0));
    expect(indexes.app("hello")).toBe(RUN_TAGS + 3);
    expect(new RunIndex(registry, -1).of(2)).toBe(2 * RUN_TAGS + RUN_TAGS - 1);
    // Two runs at the same count never share an index unless their tags agree (hashicorp/consul#2621).
    expect(new RunIndex(registry, 4).of(1)).not.toBe(indexes.of(1));
    registry.joinCluster(); // peers merge one plain count (Registry.mergeIndex): no tag
    expect(indexes.app("HELLO")).toBe(1);
  });

  it("one run tag for both APIs: the watch and X-Consul-Index of a fresh registry differ by one count", async () => {
    const app = buildApp({ registry: new Registry(), indexRunTag: 9 });
    const watch = await app.inject({ method: "GET", url: "/outrigger/watch/apps/WEB" });
    const consul = await app.inject({ method: "GET", url: "/v1/health/service/web" });
    expect([watch.headers["x-outrigger-index"], consul.headers["x-consul-index"]]).toEqual(["9", String(RUN_TAGS + 9)]);
    await app.close();
  });
});
