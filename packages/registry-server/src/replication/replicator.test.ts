import { createServer } from "node:http";
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

interface PeerReport {
  sent: number;
  failures: number;
  pending: number;
}

/** A's replication report on its first peer (its /eureka/status). */
async function firstPeer(url: string): Promise<PeerReport | undefined> {
  const res = await fetch(`${url}/eureka/status`, { headers: { accept: "application/json" } });
  return ((await res.json()) as { peers: PeerReport[] }).peers[0];
}

/** Polls A's report (with a guard against hangs) until `done` holds or 10 s pass; returns the last report. */
async function waitForPeer(url: string, done: (peer: PeerReport) => boolean): Promise<PeerReport | undefined> {
  const guard = Date.now() + 10_000;
  let peer = await firstPeer(url);
  while (!(peer && done(peer)) && Date.now() < guard) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    peer = await firstPeer(url);
  }
  return peer;
}

describe("Replicator (real sockets)", () => {
  it("keeps a write for a peer that is down and delivers it when the peer comes up (retry)", async () => {
    const portB = await freePort();
    const a = await start(0, [`http://127.0.0.1:${portB}/eureka`]);
    await register(a.url, "x", Date.now());
    // Wait (on A's own report) until a batch to the absent B has failed.
    expect(await waitForPeer(a.url, (peer) => peer.failures > 0)).toMatchObject({ pending: 1 });
    // B starts with no peers of its own, so only A's retried batch can bring it "x".
    const b = await start(portB);
    expect(b.synced).toBe(0);
    await watchUntil(b.url, "REP", (list) => list.some((i) => i.instanceId === "x"));
    expect((await firstPeer(a.url))?.failures).toBeGreaterThan(0);
  });

  it("keeps its own copy when a peer's 409 carries one Eureka's rules refuse, and counts no failure", async () => {
    // A hostile or broken peer: every task is answered 409 with a copy whose data-centre name Eureka cannot decode.
    const bad = { instanceId: "z", app: "REP", hostName: "h", ipAddr: "10.0.0.9", dataCenterInfo: { name: "Mars" } };
    const peer = createServer((req, res) => {
      req.resume();
      if (!req.url?.endsWith("/peerreplication/batch")) return void res.writeHead(404).end();
      const responseList = [{ statusCode: 409, responseEntity: { instance: bad } }];
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ responseList }));
    });
    await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
    try {
      const a = await start(0, [`http://127.0.0.1:${(peer.address() as { port: number }).port}/eureka`]);
      const dirty = Date.now();
      await register(a.url, "z", dirty);
      // Before, the refused copy threw inside the batch's answer: a failure, and the batch re-sent for ever.
      expect(await waitForPeer(a.url, (peer) => peer.sent > 0)).toMatchObject({ sent: 1, failures: 0 });
      expect(a.registry.get("REP", "z")?.info).toMatchObject({ ipAddr: "127.0.0.1", lastDirtyTimestamp: dirty });
    } finally {
      await new Promise((resolve) => peer.close(resolve));
    }
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
