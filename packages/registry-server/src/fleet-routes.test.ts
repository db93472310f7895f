import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { Registry } from "./registry.js";

describe("fleet routes", () => {
  it("serves the fleet page and its edges as JSON, behind the registry's token like every read", async () => {
    const app = buildApp({ registry: new Registry(), token: "t0ken" });
    const auth = { authorization: "Bearer t0ken" };
    expect((await app.inject({ url: "/outrigger/fleet" })).statusCode).toBe(401);
    const page = await app.inject({ url: "/fleet", headers: auth });
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.body).toContain('fetch("outrigger/fleet"+location.search');
    const view = await app.inject({ url: "/outrigger/fleet", headers: auth });
    expect(view.json()).toMatchObject({ edges: [], processes: [], skipped: 0 });
    await app.close();
  });
});
