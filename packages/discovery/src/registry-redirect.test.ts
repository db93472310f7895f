import { afterEach, describe, expect, it } from "vitest";
import { RegistryAccess } from "./registry-access.js";
import { registryRequest } from "./registry-http.js";
import { MAX_REGISTRY_REDIRECTS } from "./registry-redirect.js";
import { closeRedirectServers, redirectServer as server } from "./testing/redirect-server.js";

afterEach(closeRedirectServers);

const TOKEN = "s3cret-token";

describe("registryRequest follows a registry's redirect as Eureka's RedirectingEurekaHttpClient does", () => {
  it("re-sends a registration (method, body, token) to the Location on a 302 within the same origin", async () => {
    const reg = await server((req) =>
      req.url === "/eureka/apps/A" ? { status: 302, location: "/peer/eureka/apps/A" } : { status: 204 },
    );
    const access = new RegistryAccess(reg.origin, { token: TOKEN });
    const answer = await registryRequest(`${reg.origin}/eureka/apps/A`, {
      method: "POST",
      body: { instance: { app: "A" } },
      timeoutMs: 5_000,
      access,
    });
    expect(answer.status).toBe(204);
    expect(reg.seen.map((s) => [s.method, s.url, s.authorization, s.body])).toEqual([
      ["POST", "/eureka/apps/A", `Bearer ${TOKEN}`, '{"instance":{"app":"A"}}'],
      ["POST", "/peer/eureka/apps/A", `Bearer ${TOKEN}`, '{"instance":{"app":"A"}}'],
    ]);
    await access.close();
  });

  it("follows a 307 to another origin without the token (fetch's rule), and answers from there", async () => {
    const other = await server(() => ({ status: 200, body: '{"applications":{}}' }));
    const reg = await server(() => ({ status: 307, location: `${other.origin}/eureka/apps` }));
    const access = new RegistryAccess(reg.origin, { token: TOKEN });
    const answer = await registryRequest(`${reg.origin}/eureka/apps`, { method: "GET", timeoutMs: 5_000, access });
    expect(answer.body).toEqual({ applications: {} });
    expect(reg.seen[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(other.seen.map((s) => [s.method, s.authorization])).toEqual([["GET", undefined]]);
    await access.close();
  });

  it("turns a 303 into a GET without body", async () => {
    const reg = await server((req) =>
      req.url === "/a" ? { status: 303, location: "/b" } : { status: 200, body: "{}" },
    );
    await registryRequest(`${reg.origin}/a`, { method: "PUT", body: { x: 1 }, timeoutMs: 5_000 });
    expect(reg.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ["PUT", "/a", '{"x":1}'],
      ["GET", "/b", ""],
    ]);
  });

  it(`stops a redirect loop after ${MAX_REGISTRY_REDIRECTS} requests with DISCOVERY_BAD_RESPONSE, no secret shown`, async () => {
    const reg = await server(() => ({ status: 302, location: "/loop" }));
    const url = reg.origin.replace("http://", "http://user:pa55word@");
    const error = await registryRequest(`${url}/loop`, { method: "GET", timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "DISCOVERY_BAD_RESPONSE" });
    expect(String((error as Error).message)).toMatch(/redirected 10 times in a row: point the client/);
    expect(String((error as Error).message)).not.toMatch(/pa55word/);
    expect(reg.seen).toHaveLength(MAX_REGISTRY_REDIRECTS);
  });

  it("hands a 3xx without Location back to the caller, as an answer", async () => {
    const reg = await server(() => ({ status: 304 }));
    const answer = await registryRequest(`${reg.origin}/eureka/apps`, { method: "GET", timeoutMs: 5_000 });
    expect(answer.status).toBe(304);
  });
});
