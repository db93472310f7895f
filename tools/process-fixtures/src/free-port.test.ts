import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, portSlice } from "./free-port.js";

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Every port this file was given: freePort never returns one twice, so the spare below must be another. */
const given: number[] = [];

describe("freePort", () => {
  it("hands out distinct ports of this worker's slice, below the kernel's ephemeral range", async () => {
    const ephemeral = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    const { first, last } = portSlice();
    expect(last).toBeLessThan(ephemeral);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    given.push(...ports);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) expect(port >= first && port <= last).toBe(true);
    await close(await listen(ports[0] as number));
  });

  it("skips ports something listens on, and says so with NO_FREE_PORT when none is left", async () => {
    const { first, last } = portSlice();
    const held: Server[] = [];
    let spare = -1;
    try {
      // Hold every port of the slice but one nobody else uses (ports already handed out are skipped anyway).
      for (let port = first; port <= last; port++) {
        const server = await listen(port).catch(() => undefined);
        if (!server) continue;
        if (spare < 0 && !given.includes(port)) {
          await close(server);
          spare = port;
          continue;
        }
        held.push(server);
      }
      expect(await freePort()).toBe(spare);
      await expect(freePort()).rejects.toMatchObject({ code: "NO_FREE_PORT" });
    } finally {
      await Promise.all(held.map(close));
    }
  });
});
