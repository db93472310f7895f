import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";

/** Resident memory of a process, from /proc (Linux, as CI runs). */
function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1]) * 1024;
}

const listen = (server: Server | TcpServer): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));

describe("hostile check definitions against a real registry process (issue 15 item 1)", () => {
  let registry: RegistryProcess;
  const put = (path: string, body: string) =>
    fetch(`${registry.url}${path}`, { method: "PUT", body, headers: { "content-type": "application/json" } });

  beforeAll(async () => {
    registry = await spawnRegistry(["--port", "0"]);
  });
  afterAll(async () => {
    await registry.stop();
  });

  it("refuses TCP 127.0.0.1:70000 with a 400 naming the field, and keeps probing other checks", async () => {
    const res = await put(
      "/v1/agent/service/register",
      '{"Name":"x","Check":{"TCP":"127.0.0.1:70000","Interval":"10s"}}',
    );
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/TCP "127.0.0.1:70000"/);
    const target = createTcpServer((socket) => socket.destroy());
    const port = await listen(target);
    const ok = await put(
      "/v1/agent/service/register",
      JSON.stringify({ Name: "tcp-ok", Check: { TCP: `127.0.0.1:${port}`, Interval: "1s" } }),
    );
    expect(ok.status).toBe(200);
    // Blocking queries until the first probe has passed: event-driven, no sleeps.
    let index = "0";
    let status = "";
    while (status !== "passing") {
      const res = await fetch(`${registry.url}/v1/health/service/tcp-ok?index=${index}&wait=10s`);
      index = res.headers.get("x-consul-index") ?? "0";
      const health = (await res.json()) as { Checks: { Status: string }[] }[];
      status = health[0]?.Checks.at(-1)?.Status ?? "";
    }
    expect(registry.child.exitCode).toBeNull();
    target.close();
  });

  it("answers 400 to Weights 1e999 and keeps /v1/agent/services readable for everyone", async () => {
    expect((await put("/v1/agent/service/register", '{"Name":"good","Port":80}')).status).toBe(200);
    const bad = await put("/v1/agent/service/register", '{"Name":"w","Weights":{"Passing":1e999,"Warning":1}}');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/Weights.Passing/);
    const services = await fetch(`${registry.url}/v1/agent/services`);
    expect(services.status).toBe(200);
    expect(Object.keys((await services.json()) as object)).toContain("good");
  });

  it("probes a target answering an endless body with the registry's memory flat", async () => {
    let probes = 0;
    let seen: () => void = () => undefined;
    const threeProbes = new Promise<void>((resolve) => {
      seen = resolve;
    });
    const chunk = Buffer.alloc(256 * 1024, "z");
    const target = createServer((_req, res) => {
      probes += 1;
      if (probes === 3) seen();
      res.writeHead(200);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const port = await listen(target);
    const before = rssBytes(registry.child.pid as number);
    const res = await put(
      "/v1/agent/service/register",
      JSON.stringify({ Name: "endless", Check: { HTTP: `http://127.0.0.1:${port}/`, Interval: "1s", Timeout: "5s" } }),
    );
    expect(res.status).toBe(200);
    await threeProbes;
    const checks = (await (await fetch(`${registry.url}/v1/agent/checks`)).json()) as Record<
      string,
      { Status: string; Output: string }
    >;
    expect(checks["service:endless"]?.Status).toBe("passing");
    expect(checks["service:endless"]?.Output.length).toBeLessThan(4_096 + 200);
    expect(rssBytes(registry.child.pid as number) - before).toBeLessThan(100 * 1024 * 1024);
    expect(registry.child.exitCode).toBeNull();
    target.closeAllConnections();
    target.close();
  });
});
