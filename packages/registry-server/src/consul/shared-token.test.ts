import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";

// One --token guards both protocols: Eureka writes need Bearer (401 otherwise), the Consul API answers 403.
describe("one token for the Eureka and Consul APIs", () => {
  const app = buildApp({ registry: new Registry(), token: "s3cret" });
  afterAll(() => app.close());
  const service = { Name: "web", ID: "web-1", Address: "127.0.0.1", Port: 8080 };

  it("refuses Consul writes without the token, Consul-style, and accepts X-Consul-Token or Bearer", async () => {
    const none = await app.inject({ method: "PUT", url: "/v1/agent/service/register", payload: service });
    expect(none.statusCode).toBe(403);
    expect(none.headers["x-outrigger-error-code"]).toBe("REGISTRY_CONSUL_PERMISSION_DENIED");
    const consul = await app.inject({
      method: "PUT",
      url: "/v1/agent/service/register",
      headers: { "x-consul-token": "s3cret" },
      payload: service,
    });
    expect(consul.statusCode).toBe(200);
    const bearer = await app.inject({
      method: "PUT",
      url: "/v1/agent/service/deregister/web-1",
      headers: { authorization: "Bearer s3cret" },
    });
    expect(bearer.statusCode).toBe(200);
  });

  it("still refuses Eureka writes without the bearer token", async () => {
    const response = await app.inject({ method: "DELETE", url: "/eureka/apps/WEB/web-1" });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("REGISTRY_UNAUTHORIZED");
  });
});
