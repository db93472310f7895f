import type { FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";
import { type RouteScope, requiredScope, tokenMatches } from "./auth.js";

const WRITE = "w-s3cret";
const READ = "r-s3cret";

/**
 * Every route the app serves, as fastify registered it (HEAD twins of GETs left out). Plugins register their routes
 * at `ready()`, after the hook is added; the few routes added on the root instance itself are listed by hand.
 */
function collectRoutes(build: () => FastifyInstance): {
  app: FastifyInstance;
  routes: { method: string; url: string; scope?: RouteScope }[];
} {
  const routes: { method: string; url: string; scope?: RouteScope }[] = [{ method: "GET", url: "/metrics" }];
  const app = build();
  app.addHook("onRoute", (route) => {
    // A route's own `config.scope` (the policy ACK/NACK report is a POST that needs read) is what it must enforce.
    const scope = (route.config as { scope?: RouteScope } | undefined)?.scope;
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") routes.push({ method, url: route.url, ...(scope ? { scope } : {}) });
    }
  });
  return { app, routes };
}

/** A concrete path for a route pattern: each `:param` and `*` filled in. */
const concrete = (url: string): string => url.replace(/:[^/]+/g, "X").replace(/\*/g, "x");

const denied = (status: number): boolean => status === 401 || status === 403;

describe("one access check for every route of both protocols", () => {
  const { app, routes } = collectRoutes(() => buildApp({ registry: new Registry(), token: WRITE, readToken: READ }));
  afterAll(() => app.close());
  const attempt = (method: string, url: string, headers: Record<string, string> = {}) =>
    app.inject({ method: method as "GET", url: concrete(url), headers, payload: method === "GET" ? undefined : {} });

  it("compares tokens of any length without throwing", () => {
    expect(tokenMatches("s3cret", "s3cret")).toBe(true);
    expect(tokenMatches("s3cre", "s3cret")).toBe(false);
    expect(tokenMatches("", "s3cret")).toBe(false);
  });

  it("refuses every route without a token or with a wrong one, a read token on writes, and lets the write token in", async () => {
    await app.ready();
    // The Eureka API under both prefixes, the watch, the dashboard and its stream, /metrics and the Consul API.
    for (const prefix of ["/eureka/apps", "/eureka/v2/apps", "/outrigger/", "/metrics", "/v1/agent", "/v1/health"]) {
      expect(routes.some((r) => r.url.startsWith(prefix))).toBe(true);
    }
    const tally = { none: 0, wrong: 0, read: 0, write: 0 };
    for (const { method, url, scope } of routes) {
      if (url === "/outrigger/events") continue; // a stream never ends under inject; covered over a real socket below
      const need = requiredScope(method, scope);
      const none = await attempt(method, url);
      expect(denied(none.statusCode), `${method} ${url} without a token`).toBe(true);
      const wrong = await attempt(method, url, { authorization: "Bearer w-s3cre" });
      expect(denied(wrong.statusCode), `${method} ${url} with a wrong token`).toBe(true);
      const read = await attempt(method, url, { authorization: `Bearer ${READ}` });
      expect(denied(read.statusCode), `${method} ${url} with the read token`).toBe(need === "write");
      const write = await attempt(method, url, { authorization: `Bearer ${WRITE}` });
      expect(denied(write.statusCode), `${method} ${url} with the write token`).toBe(false);
      for (const answer of [none, wrong, read, write]) {
        expect(answer.body).not.toContain(WRITE);
        expect(answer.body).not.toContain(READ);
      }
      tally.none += 1;
      tally.wrong += 1;
      tally.read += 1;
      tally.write += 1;
    }
    expect(tally.none).toBeGreaterThan(40);
  });

  it("answers each protocol in its own way: 401 with a challenge (Eureka), 403 in plain text (Consul)", async () => {
    const eureka = await attempt("GET", "/eureka/apps");
    expect(eureka.statusCode).toBe(401);
    expect(eureka.json().code).toBe("REGISTRY_UNAUTHORIZED");
    expect(String(eureka.headers["www-authenticate"])).toContain("Basic");
    const readOnWrite = await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { authorization: `Bearer ${READ}` },
      payload: registration("a"),
    });
    expect(readOnWrite.statusCode).toBe(403);
    expect(readOnWrite.json().code).toBe("REGISTRY_FORBIDDEN");
    const consul = await attempt("GET", "/v1/agent/services");
    expect(consul.statusCode).toBe(403);
    expect(consul.headers["x-outrigger-error-code"]).toBe("REGISTRY_CONSUL_PERMISSION_DENIED");
    expect(consul.body).toMatch(/^ACL not found/);
    // The `consul` npm client shows a body as the error's message only under 80 characters (else "forbidden").
    expect(consul.body.length).toBeLessThan(80);
  });

  it("accepts what real clients send: ?token=, X-Consul-Token, Bearer in any case, Spring's Basic userinfo", async () => {
    const basic = (userinfo: string) => `Basic ${Buffer.from(userinfo).toString("base64")}`;
    const forms: [string, Record<string, string>, string][] = [
      ["?token=", {}, `?token=${WRITE}`],
      ["X-Consul-Token", { "x-consul-token": WRITE }, ""],
      ["Bearer", { authorization: `Bearer ${WRITE}` }, ""],
      ["bearer", { authorization: `bearer ${WRITE}` }, ""],
      ["BEARER", { authorization: `BEARER  ${WRITE}` }, ""],
      ["Basic user:token", { authorization: basic(`eureka:${WRITE}`) }, ""],
      ["basic token:", { authorization: basic(`${WRITE}:`).replace("Basic", "basic") }, ""],
    ];
    for (const [name, headers, query] of forms) {
      for (const url of ["/eureka/apps", "/v1/agent/services", "/metrics"]) {
        const answer = await app.inject({ url: `${url}${query}`, headers });
        expect(answer.statusCode, `${name} on ${url}`).toBe(200);
      }
      const write = await app.inject({
        method: "PUT",
        url: `/v1/agent/service/register${query}`,
        headers,
        payload: { Name: "web", ID: "web-1", Port: 80 },
      });
      expect(write.statusCode, `${name} on a Consul write`).toBe(200);
    }
    // A scheme that is neither is no credential at all.
    expect((await app.inject({ url: "/eureka/apps", headers: { authorization: `Token ${WRITE}` } })).statusCode).toBe(
      401,
    );
  });
});

describe("what is open", () => {
  it("everything, when no token is set", async () => {
    const app = buildApp({ registry: new Registry() });
    expect((await app.inject("/eureka/apps")).statusCode).toBe(200);
    expect(
      (await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") })).statusCode,
    ).toBe(204);
    await app.close();
  });

  it("reads without a token with anonymousRead, but never with a wrong token, and never writes", async () => {
    const app = buildApp({ registry: new Registry(), token: WRITE, anonymousRead: true });
    expect((await app.inject("/eureka/apps")).statusCode).toBe(200);
    expect((await app.inject("/v1/catalog/services")).statusCode).toBe(200);
    expect((await app.inject({ url: "/eureka/apps", headers: { authorization: "Bearer nope" } })).statusCode).toBe(401);
    const refused = await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") });
    expect(refused.statusCode).toBe(401);
    expect(
      (
        await app.inject({
          url: "/eureka/apps",
          headers: { accept: "application/json", authorization: `Bearer ${WRITE}` },
        })
      ).json(),
    ).toEqual(expect.objectContaining({ applications: expect.objectContaining({ application: [] }) }));
    await app.close();
  });

  it("the Consul plugin's own token (kept for buildApp callers) guards the Eureka side too", async () => {
    const app = buildApp({ registry: new Registry(), consul: { token: WRITE } });
    expect((await app.inject("/eureka/apps")).statusCode).toBe(401);
    expect((await app.inject({ url: "/eureka/apps", headers: { "x-consul-token": WRITE } })).statusCode).toBe(200);
    await app.close();
  });
});
