// Rules from Netflix/eureka: eureka-core/.../registry/AbstractInstanceRegistry.java (register: "the existing lease's
// dirty timestamp is greater … using the existing instanceInfo"), eureka-core/.../resources/InstanceResource.java
// (validateDirtyTimestamp: a replicated write older than ours gets 409 CONFLICT with our InstanceInfo) and
// eureka-core/.../cluster/PeerEurekaNode.java (on 409 the sender syncs itself from the peer's copy).
import { describe, expect, it } from "vitest";
import { freePort } from "../e2e/spawn-registry.js";
import { watchUntil } from "../e2e/watch-until.js";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();

async function watchIndex(url: string, app: string): Promise<number> {
  const res = await fetch(`${url}/outrigger/watch/apps/${app}?index=-1&wait=1s`);
  await res.arrayBuffer();
  return Number(res.headers.get("x-outrigger-index"));
}

describe("replication resolves conflicts by lastDirtyTimestamp (two real registry processes)", () => {
  it("a peer holding a newer copy answers 409 without applying the stale one, and the sender adopts its copy", async () => {
    const portB = await freePort();
    const b = await start(["--port", String(portB)]);
    // A replicates to B (B does not replicate back) and starts before B knows "x", so it syncs nothing at start.
    const a = await start(["--peer", `http://127.0.0.1:${portB}/eureka`]);
    const now = Date.now();
    // B holds the newer copy (status DOWN, metadata v=new).
    await eurekaCalls(b.url, "CONFLICT").register("x", {
      status: "DOWN",
      metadata: { v: "new" },
      lastDirtyTimestamp: String(now),
    });
    const indexOnB = await watchIndex(b.url, "CONFLICT");
    // A gets an older copy from a client and replicates it to B as a registration.
    await eurekaCalls(a.url, "CONFLICT").register("x", {
      status: "UP",
      metadata: { v: "old" },
      lastDirtyTimestamp: String(now - 30_000),
    });
    // A adopts B's copy from the 409 alone: no heartbeat is sent in this test.
    const onA = await watchUntil(a.url, "CONFLICT", (list) => list[0]?.lastDirtyTimestamp === String(now));
    expect(onA[0]).toMatchObject({ status: "DOWN", metadata: { v: "new" } });
    // B never applied the stale copy: its only change to "x" is the registration (a registration applied over it
    // would show in the delta as MODIFIED). Its index may move — to A's, when A numbered the adoption above B
    // (peers keep one index per application, peers-index-order.test.ts) — but never down.
    const delta = (await (
      await fetch(`${b.url}/eureka/apps/delta`, { headers: { accept: "application/json" } })
    ).json()) as { applications: { application: { instance: { instanceId: string; actionType: string }[] }[] } };
    const changes = delta.applications.application.flatMap((app) => app.instance).filter((i) => i.instanceId === "x");
    expect(changes.map((i) => i.actionType)).toEqual(["ADDED"]);
    expect(await watchIndex(b.url, "CONFLICT")).toBeGreaterThanOrEqual(indexOnB);
    expect(await eurekaCalls(b.url, "CONFLICT").instance("x")).toMatchObject({
      status: "DOWN",
      metadata: { v: "new" },
    });
  });

  it("a replicated heartbeat older than ours with an override is refused (409) before anything is applied", async () => {
    const b = await start();
    const now = Date.now();
    await eurekaCalls(b.url, "BEAT").register("y", { lastDirtyTimestamp: String(now) });
    const before = await watchIndex(b.url, "BEAT");
    const res = await fetch(
      `${b.url}/eureka/apps/BEAT/y?status=UP&overriddenstatus=OUT_OF_SERVICE&lastDirtyTimestamp=${now - 1_000}`,
      { method: "PUT", headers: { accept: "application/json", "x-netflix-discovery-replication": "true" } },
    );
    expect(res.status).toBe(409);
    expect(((await res.json()) as { instance: { lastDirtyTimestamp: string } }).instance.lastDirtyTimestamp).toBe(
      String(now),
    );
    expect(await eurekaCalls(b.url, "BEAT").instance("y")).toMatchObject({ status: "UP", overriddenStatus: "UNKNOWN" });
    expect(await watchIndex(b.url, "BEAT")).toBe(before);
  });
});
