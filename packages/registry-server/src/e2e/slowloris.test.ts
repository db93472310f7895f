import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";

/** Sockets the attack opens: thousands, well past the registry's 1 024-descriptor limit in this test. */
const ATTACK_SOCKETS = 3_000;
const HEARTBEATS = 40;

/** One heartbeat on a fresh connection (as a client whose pooled connection expired), with a 2 s deadline. */
function heartbeat(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "PUT",
        path: "/eureka/apps/HELLO/hb-1",
        agent: false,
        headers: { connection: "close" },
        timeout: 2_000,
      },
      (res) => {
        res.resume();
        res.once("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", () => resolve(0));
    req.end();
  });
}

describe("slowloris against a real registry process (issue 15 item 2)", () => {
  let registry: RegistryProcess;
  const attack: Socket[] = [];
  beforeAll(async () => {
    // Environment variables, so the same test runs against a build that does not know the flags.
    registry = await spawnRegistry(
      ["--port", "0"],
      {
        OUTRIGGER_REGISTRY_HEADERS_TIMEOUT: "2",
        OUTRIGGER_REGISTRY_MAX_CONNECTIONS: "900",
        OUTRIGGER_REGISTRY_MAX_CONNECTIONS_PER_IP: "300",
      },
      1_024,
    );
    const res = await fetch(`${registry.url}/eureka/apps/HELLO`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(registration("hb-1")),
    });
    expect(res.status).toBe(204);
  });
  afterAll(async () => {
    for (const socket of attack) socket.destroy();
    await registry.stop();
  });

  it("keeps every heartbeat succeeding while thousands of slow and silent sockets attack from another address", async () => {
    const closed: Promise<void>[] = [];
    const settled: Promise<void>[] = [];
    const trickle = setInterval(() => {
      for (const socket of attack) if (!socket.destroyed && socket.writable) socket.write("a");
    }, 500);
    for (let i = 0; i < ATTACK_SOCKETS; i += 1) {
      // 127.0.0.2 is loopback too on Linux: the attacker is one address, the heartbeats another.
      const socket = connect({ host: "127.0.0.1", port: registry.port, localAddress: "127.0.0.2" });
      socket.on("error", () => undefined);
      // Half send the start of a request and trickle a header byte by byte; half send nothing at all.
      if (i % 2 === 0) socket.once("connect", () => socket.write("GET /eureka/apps HTTP/1.1\r\nX-Slow: "));
      closed.push(new Promise((resolve) => socket.once("close", () => resolve())));
      // Accepted (and held) or refused over the cap: the connect burst is over for this socket.
      settled.push(
        new Promise((resolve) => {
          socket.once("connect", () => resolve());
          socket.once("close", () => resolve());
        }),
      );
      attack.push(socket);
    }
    // Heartbeats measure the registry while the attack holds its sockets, not the kernel's accept backlog during
    // the burst of 3 000 connects (on a loaded 2-core machine that burst alone can take ~2 s).
    await Promise.all(settled);
    const statuses: number[] = [];
    for (let i = 0; i < HEARTBEATS; i += 1) statuses.push(await heartbeat(registry.port));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The registry closes every attacking socket itself: over the cap at once, the rest after the headers timeout.
    await Promise.all(closed);
    clearInterval(trickle);
    expect(registry.child.exitCode).toBeNull();
  }, 30_000);
});
