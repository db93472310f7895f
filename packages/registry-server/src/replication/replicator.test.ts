import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../e2e/spawn-registry.js";
import { watchUntil } from "../e2e/watch-until.js";
import { type RunningServer, startServer } from "../server.js";
import { registration } from "../test-fixtures.js";

const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(port: number, peers: string[] = []): Promise<RunningServer> {
  const server = await startServer({ port, peers, selfPreservation: false });
  servers.push(server);
  return server;
}

async function register(url: string, id: string, lastDirtyTimestamp: number): Promise<void> {
  const res = await fetch(`${url}/eureka/apps/REP`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(registration(id, { app: "REP", lastDirtyTimestamp: String(lastDirtyTimestamp) })),
  });
  expect(res.status).toBe(204);
}

describe("Replicator (real sockets)", () => {
  it("keeps a write for a peer that is down and delivers it when the peer comes up (retry)", async () => {
    const portB = await freePort();
    const a = await start(0, [`http://127.0.0.1:${portB}/eureka`]);
    await register(a.url, "x", Date.now());
    // Wait (on A's own report, with a guard against hangs) until a batch to the absent B has failed.
    const failures = async () =>
      (
        (await (await fetch(`${a.url}/eureka/status`, { headers: { accept: "application/json" } })).json()) as {
          peers: { failures: number; pending: number }[];
        }
      ).peers[0];
    const guard = Date.now() + 10_000;
    while (((await failures())?.failures ?? 0) === 0 && Date.now() < guard) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await failures()).toMatchObject({ pending: 1 });
    // B starts with no peers of its own, so only A's retried batch can bring it "x".
    const b = await start(portB);
    expect(b.synced).toBe(0);
    await watchUntil(b.url, "REP", (list) => list.some((i) => i.instanceId === "x"));
    expect((await failures())?.failures).toBeGreaterThan(0);
  });

  it("adopts the peer's copy when a replicated renew gets 409 (Eureka's lastDirtyTimestamp rule)", async () => {
    const b = await start(0);
    const a = await start(0, [`${b.url}/eureka`]);
    const newer = Date.now() + 60_000;
    await register(b.url, "y", newer);
    await register(a.url, "y", newer - 30_000);
    // B kept its newer copy; A's next heartbeat is answered 409 with it, and A takes it over.
    expect(b.registry.get("REP", "y")?.info.lastDirtyTimestamp).toBe(newer);
    // Heartbeats repeat as a client's would: one sent while A's register is still queued is folded into it.
    let adopted = false;
    const heartbeats = (async () => {
      while (!adopted) {
        expect((await fetch(`${a.url}/eureka/apps/REP/y`, { method: "PUT" })).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await watchUntil(a.url, "REP", (list) => list[0]?.lastDirtyTimestamp === String(newer)).finally(() => {
      adopted = true;
    });
    await heartbeats;
  });
});
