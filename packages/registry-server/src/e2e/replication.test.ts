import { afterAll, describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { freePort, type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { ids, type WatchedInstance, watchUntil } from "./watch-until.js";

const TOKEN = "peer-s3cret";
const running = new Set<RegistryProcess>();
afterAll(async () => {
  await Promise.all([...running].map((p) => p.stop()));
});

async function start(port: number, peers: number[]): Promise<RegistryProcess> {
  // Reads stay open here (--anonymous-read): this file is about replication; auth has its own tests.
  const args = ["--port", String(port), "--token", TOKEN, "--anonymous-read", "--self-preservation", "off"];
  // Short leases and frequent eviction, so a lease kept alive only by replicated renews is really tested.
  args.push("--lease-duration", "3", "--eviction-interval", "1", "--renewal-threshold", "0");
  for (const peer of peers) args.push("--peer", `http://127.0.0.1:${peer}/eureka`);
  const p = await spawnRegistry(args);
  running.add(p);
  return p;
}

const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

async function register(url: string, id: string): Promise<void> {
  const res = await fetch(`${url}/eureka/apps/PEERED`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify(registration(id, { app: "PEERED" })),
  });
  expect(res.status).toBe(204);
}

describe("peer replication (three real server processes)", () => {
  it("replicates registers and renews, and a restarted peer catches up", async () => {
    const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
    const a = await start(pa, [pb, pc]);
    const b = await start(pb, [pa, pc]);
    let c = await start(pc, [pa, pb]);

    await register(a.url, "one");
    await watchUntil(b.url, "PEERED", (list) => ids(list).includes("one"));
    await watchUntil(c.url, "PEERED", (list) => ids(list).includes("one"));

    // Renews go to A only; B and C must keep "one" alive from replicated heartbeats. "idle" is never renewed and
    // must be evicted everywhere, which shows leases do expire within this window.
    await register(a.url, "idle");
    for (const peer of [b, c]) await watchUntil(peer.url, "PEERED", (list) => ids(list).join() === "idle,one");
    let renewing = true;
    const renewals = (async () => {
      while (renewing) {
        for (const id of ["one", "two", "three"]) {
          await fetch(`${a.url}/eureka/apps/PEERED/${id}`, { method: "PUT", headers: auth });
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    try {
      for (const peer of [b, c]) await watchUntil(peer.url, "PEERED", (list) => ids(list).join() === "one");
      const onB = (
        (await (
          await fetch(`${b.url}/eureka/apps/PEERED/one`, { headers: { accept: "application/json" } })
        ).json()) as {
          instance: { leaseInfo: { lastRenewalTimestamp: number; registrationTimestamp: number } };
        }
      ).instance;
      expect(onB.leaseInfo.lastRenewalTimestamp).toBeGreaterThan(onB.leaseInfo.registrationTimestamp);

      // Stop C, register more on A, start C again: it syncs from a peer at start.
      const stopped = await c.stop();
      running.delete(c);
      expect(stopped.code).toBe(0);
      await register(a.url, "two");
      await register(b.url, "three");
      await watchUntil(a.url, "PEERED", (list) => ids(list).join() === "one,three,two");
      c = await start(pc, [pa, pb]);
      expect(c.started.synced).toBe(3);
      const onC = (
        (await (await fetch(`${c.url}/eureka/apps/PEERED`, { headers: { accept: "application/json" } })).json()) as {
          application: { instance: WatchedInstance[] };
        }
      ).application.instance;
      expect(ids(onC)).toEqual(["one", "three", "two"]);

      // A status override on C reaches A and B; a cancel on B reaches everyone.
      await fetch(`${c.url}/eureka/apps/PEERED/two/status?value=OUT_OF_SERVICE`, { method: "PUT", headers: auth });
      for (const peer of [a, b]) {
        await watchUntil(
          peer.url,
          "PEERED",
          (list) => list.find((i) => i.instanceId === "two")?.status === "OUT_OF_SERVICE",
        );
      }
      await fetch(`${b.url}/eureka/apps/PEERED/three`, { method: "DELETE", headers: auth });
      for (const peer of [a, c]) await watchUntil(peer.url, "PEERED", (list) => !ids(list).includes("three"));

      const status = (await (
        await fetch(`${a.url}/eureka/status`, { headers: { accept: "application/json" } })
      ).json()) as { peers: { healthy: boolean }[] };
      expect(status.peers).toHaveLength(2);
    } finally {
      renewing = false;
      await renewals;
    }
  });
});
