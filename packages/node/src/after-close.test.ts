import { createServer } from "node:http";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
});
