import type { Server } from "node:http";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { adapterSuite } from "./framework-suite.js";
import { createInbound } from "./index.js";
import { fakeClock } from "./test-fixture.js";

adapterSuite("fastify", async (inbound, held) => {
  const app = Fastify();
  await app.register(inbound.fastify);
  app.get("/", async () => "ok");
  app.get("/hold", async () => {
    await held.park();
    return "held";
  });
  await app.ready();
  return app.server as Server;
});

describe("fastify plugin encapsulation", () => {
  it("covers routes registered outside the plugin and in child contexts (aws/aws-xray-sdk-node#702)", async () => {
    // A plugin without fastify-plugin's skip-override adds its hook to its own child context only, so it never
    // runs for the application's routes: the bug report above.
    const app = Fastify();
    await app.register(createInbound({ rateLimit: { requestsPerSecond: 1, burst: 1 }, clock: fakeClock() }).fastify);
    app.get("/root", async () => "root");
    await app.register(async (child) => {
      child.get("/child", async () => "child");
    });
    expect((await app.inject("/root")).statusCode).toBe(200);
    const refused = await app.inject("/child");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["retry-after"]).toBe("1");
    await app.close();
  });
});
