import { once } from "node:events";
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClient, startInstance } from "./outrigger.fixture.js";
import { createOutrigger } from "./outrigger.js";

describe("og after og.close()", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    registry = await startServer({ port: 0 });
  });
  afterAll(() => registry.close());

  it("listen() and register() reject with OUTRIGGER_CLOSED: no server started, nothing registered", async () => {
    const og = await createOutrigger({
      service: "late",
      port: 0,
      config: { outrigger: { registry: { url: `${registry.url}/eureka` }, shutdown: { signals: [] } } },
      logger: { warn: () => {} },
    });
    await og.close();
    const server = createServer((_request, response) => response.end("ok"));
    const listened = await og.listen(server, "127.0.0.1").catch((error: unknown) => error);
    expect((listened as { code?: string }).code).toBe("OUTRIGGER_CLOSED");
    expect(server.listening).toBe(false);
    const registered = await og.register().catch((error: unknown) => error);
    expect((registered as { code?: string }).code).toBe("OUTRIGGER_CLOSED");
    const apps = await fetch(`${registry.url}/eureka/apps/LATE`, { headers: { accept: "application/json" } });
    expect(apps.status).toBe(404);
  });

  it("og.close() closes og.http's own connections (its lb dispatcher's pools), not only og.dispatcher's", async () => {
    const instance = await startInstance("closing", `${registry.url}/eureka`, () => "from closing");
    const sockets: Socket[] = [];
    instance.server.on("connection", (socket: Socket) => sockets.push(socket));
    const client = await startClient(`${registry.url}/eureka`);
    expect((await client.http.get("lb://closing/items")).data).toBe("from closing");
    expect(sockets).toHaveLength(1);
    await client.close();
    // The instance sees og.http's keep-alive connection end (a leaked pool would hold it: the test would time out).
    await Promise.all(sockets.map((s) => (s.destroyed ? undefined : once(s, "close"))));
    await instance.og.close();
  });
});
