import { describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";
import { tokenMatches } from "./auth.js";

describe("bearer token", () => {
  it("compares tokens of any length without throwing", () => {
    expect(tokenMatches("s3cret", "s3cret")).toBe(true);
    expect(tokenMatches("s3cre", "s3cret")).toBe(false);
    expect(tokenMatches("", "s3cret")).toBe(false);
  });

  it("requires the token on writes, leaves reads open, and loses nothing on a refused write", async () => {
    const app = buildApp({ registry: new Registry(), token: "s3cret" });
    const refused = await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe("REGISTRY_UNAUTHORIZED");
    const wrong = await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { authorization: "Bearer nope" },
      payload: registration("a"),
    });
    expect(wrong.statusCode).toBe(401);
    const ok = await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { authorization: "Bearer s3cret" },
      payload: registration("a"),
    });
    expect(ok.statusCode).toBe(204);
    expect((await app.inject({ method: "DELETE", url: "/eureka/apps/HELLO/a" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/eureka/apps/HELLO", headers: { accept: "application/json" } })).statusCode).toBe(
      200,
    );
  });

  it("requires the token on reads when protectReads is set", async () => {
    const app = buildApp({ registry: new Registry(), token: "s3cret", protectReads: true });
    expect((await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } })).statusCode).toBe(401);
    expect((await app.inject({ url: "/eureka/apps", headers: { authorization: "Bearer s3cret" } })).statusCode).toBe(
      200,
    );
  });
});
