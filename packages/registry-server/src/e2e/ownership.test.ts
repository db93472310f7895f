import { afterAll, describe, expect, it } from "vitest";
import { freePort, type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { ids, watchUntil } from "./watch-until.js";

// Consul services belong to the registry node whose agent runs their checks (hashicorp/consul
// `agent/local/state.go`: the agent's local state is the truth; anti-entropy deletes what it no longer has).
// Three real registry processes, killed with SIGKILL; every wait is a watch on a registry, never a sleep.
const running = new Set<RegistryProcess>();
afterAll(async () => {
  await Promise.all([...running].map((p) => p.stop()));
});

async function start(port: number, peers: number[]): Promise<RegistryProcess> {
  // An owner silent for 1 s is gone (renewals every third of it); the default is 30 s.
  const args = ["--port", String(port), "--owner-timeout", "1", "--self-preservation", "off"];
  for (const peer of peers) args.push("--peer", `http://127.0.0.1:${peer}/eureka`);
  const p = await spawnRegistry(args);
  running.add(p);
  return p;
}

async function kill9(p: RegistryProcess): Promise<void> {
  running.delete(p);
  const exited = new Promise((resolve) => p.child.once("exit", resolve));
  p.child.kill("SIGKILL");
  await exited;
}

const put = (url: string, body?: unknown) =>
  fetch(url, { method: "PUT", ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

const service = {
  Name: "owned",
  ID: "owned-1",
  Address: "127.0.0.1",
  Port: 7001,
  Check: { TTL: "60s", DeregisterCriticalServiceAfter: "10m" },
};

async function health(url: string): Promise<string[]> {
  const entries = (await (await fetch(`${url}/v1/health/service/owned`)).json()) as {
    Checks: { CheckID: string; Status: string }[];
  }[];
  // The service's own checks (the node's serfHealth check is listed too).
  return entries.flatMap((e) => e.Checks.filter((c) => c.CheckID !== "serfHealth").map((c) => c.Status));
}

describe("peers own what they are given (three real processes, kill -9)", () => {
  it("marks a dead owner's Consul services critical, and a returning owner removes what it no longer runs", async () => {
    const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
    let a = await start(pa, [pb, pc]);
    const b = await start(pb, [pa, pc]);
    let c = await start(pc, [pa, pb]);

    expect((await put(`${a.url}/v1/agent/service/register`, service)).status).toBe(200);
    expect((await put(`${a.url}/v1/agent/check/pass/service:owned-1`)).status).toBe(200);
    for (const peer of [b, c]) await watchUntil(peer.url, "OWNED", (list) => list[0]?.status === "UP");

    // A peer that dies and returns does not take the service from its owner: check/pass keeps working on A.
    await kill9(c);
    c = await start(pc, [pa, pb]);
    await watchUntil(c.url, "OWNED", (list) => list[0]?.status === "UP");
    expect((await put(`${a.url}/v1/agent/check/pass/service:owned-1`)).status).toBe(200);
    expect(await health(a.url)).toEqual(["passing"]);

    // The owner dies: its peers stop reporting the service UP and passing.
    await kill9(a);
    for (const peer of [b, c]) {
      const [seen] = await watchUntil(peer.url, "OWNED", (list) => list[0]?.status === "DOWN");
      expect(seen?.metadata).toMatchObject({ "consul.checkStatus": "critical" });
      expect(await health(peer.url)).toEqual(["critical"]);
      const passing = await (await fetch(`${peer.url}/v1/health/service/owned?passing=true`)).json();
      expect(passing).toEqual([]);
    }

    // The owner returns without the service (its agent's state died with it): it removes the copy it synced
    // from a peer, and the removal reaches every peer, instead of serving a zombie whose check/pass is 404.
    a = await start(pa, [pb, pc]);
    for (const node of [a, b, c]) await watchUntil(node.url, "OWNED", (list) => ids(list).length === 0);
    expect((await put(`${a.url}/v1/agent/check/pass/service:owned-1`)).status).toBe(404);

    // The application registers again (what the SDK's ConsulRegistrar does on that 404): UP everywhere.
    expect((await put(`${a.url}/v1/agent/service/register`, service)).status).toBe(200);
    expect((await put(`${a.url}/v1/agent/check/pass/service:owned-1`)).status).toBe(200);
    for (const peer of [b, c]) await watchUntil(peer.url, "OWNED", (list) => list[0]?.status === "UP");
  });
});
