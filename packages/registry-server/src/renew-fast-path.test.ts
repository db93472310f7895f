import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { type AppOptions, buildApp } from "./app.js";
import { Registry } from "./registry.js";
import { fakeClock, registration } from "./test-fixtures.js";

// The fast path answers renewals that arrive over a socket; `inject()` goes straight into fastify, so the same app
// answers each request both ways and the two answers must be equal (the fastify route is eurekaWriteRoutes').

const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function serve(options: Omit<AppOptions, "registry"> = {}, clock = fakeClock()) {
  // A still clock: both answers to a 409 carry the lease's renewal time.
  const registry = new Registry({ clock });
  const app = buildApp({ registry, ...options });
  apps.push(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return { app, registry, base };
}

interface Answer {
  status: number;
  type: string | undefined;
  body: string;
  /** `X-Outrigger-Error-Code`, where an answer without a body carries its code. */
  code: string | undefined;
}

const normalType = (type: string | undefined) => type?.replace(/;\s*charset=utf-8/i, "").toLowerCase();

async function overSocket(base: string, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${url}`, { method: "PUT", headers });
  const body = await res.text();
  const code = res.headers.get("x-outrigger-error-code") ?? undefined;
  return { status: res.status, type: normalType(res.headers.get("content-type") ?? undefined), body, code };
}

async function throughFastify(app: FastifyInstance, url: string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: "PUT", url, headers });
  return {
    status: res.statusCode,
    type: normalType(res.headers["content-type"] as string | undefined),
    body: res.body,
    code: res.headers["x-outrigger-error-code"] as string | undefined,
  };
}

const REPLICATED = { "x-netflix-discovery-replication": "true" };

describe("the renewal fast path answers as the fastify route does", () => {
  it("200, 404 (unknown, client newer), 409 as JSON and XML, 400 for a bad timestamp, both prefixes", async () => {
    const { app, registry, base } = await serve();
    await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      payload: registration("a", { lastDirtyTimestamp: "1000" }),
    });
    const cases: [string, Record<string, string>][] = [
      ["/eureka/apps/HELLO/a", {}],
      ["/eureka/apps/hello/a/?status=UP&lastDirtyTimestamp=1000", {}],
      ["/eureka/v2/apps/HELLO/a?status=up", {}],
      ["/eureka/apps/HELLO/nobody", {}],
      ["/eureka/apps/HELLO/a?lastDirtyTimestamp=2000", {}],
      ["/eureka/apps/HELLO/a?lastDirtyTimestamp=500", { ...REPLICATED, accept: "application/json" }],
      ["/eureka/apps/HELLO/a?lastDirtyTimestamp=500", REPLICATED],
      ["/eureka/apps/HELLO/a?status=BOGUS", {}],
      ["/eureka/apps/HELLO/a?lastDirtyTimestamp=soon", {}],
      ["/eureka/apps/HELLO/a?status=UP&status=DOWN", {}],
      ["/eureka/apps/HELLO/a%20b", {}],
    ];
    const answers: Answer[] = [];
    for (const [url, headers] of cases) {
      const fast = await overSocket(base, url, headers);
      const framework = await throughFastify(app, url, headers);
      expect(fast, url).toEqual(framework);
      answers.push(fast);
    }
    // An unknown or repeated ?status= is ignored, as Eureka's renewLease ignores it; a bad timestamp is still a 400.
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 404, 404, 409, 409, 200, 400, 200, 404]);
    // A renew's 404 has no body, as Eureka's: the Java client parses any heartbeat body as an InstanceInfo and,
    // failing on `{"code": …}`, never reached its register-again branch (spring-cloud-netflix#4145).
    const notFound = answers.filter((a) => a.status === 404);
    expect(notFound.map((a) => [a.body, a.type, a.code])).toEqual(Array(3).fill(["", undefined, "REGISTRY_NOT_FOUND"]));
    expect(registry.get("HELLO", "a")?.info.status).toBe("UP");
  });

  it("renews the lease it answers for", async () => {
    const clock = fakeClock();
    const { app, registry, base } = await serve({}, clock);
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") });
    const before = registry.get("HELLO", "a")?.lastRenewedAt ?? 0;
    clock.advance(5);
    expect((await overSocket(base, "/eureka/apps/HELLO/a")).status).toBe(200);
    expect(registry.get("HELLO", "a")?.lastRenewedAt).toBeGreaterThan(before);
  });

  it("leaves refusals to the access hook: 401 without a token, 403 with the read token, 200 with the write token", async () => {
    const { app, base } = await serve({ token: "w-token", readToken: "r-token" });
    await app.inject({
      method: "POST",
      url: "/eureka/apps/HELLO",
      headers: { authorization: "Bearer w-token" },
      payload: registration("a"),
    });
    const none = await overSocket(base, "/eureka/apps/HELLO/a");
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).code).toBe("REGISTRY_UNAUTHORIZED");
    expect((await overSocket(base, "/eureka/apps/HELLO/a", { authorization: "Bearer r-token" })).status).toBe(403);
    expect((await overSocket(base, "/eureka/apps/HELLO/a?token=w-token")).status).toBe(200);
    expect((await overSocket(base, "/eureka/apps/HELLO/a", { "x-consul-token": "w-token" })).status).toBe(200);
  });

  it("counts its answers in the request-duration metric under the route's label", async () => {
    const { app, base } = await serve();
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") });
    for (let i = 0; i < 3; i += 1) await overSocket(base, "/eureka/apps/HELLO/a");
    await overSocket(base, "/eureka/apps/HELLO/nobody");
    const metrics = (await app.inject("/metrics")).body;
    const count = (status: number) =>
      Number(
        new RegExp(
          `outrigger_registry_http_request_duration_seconds_count\\{method="PUT",route="/eureka/apps/:app/:id",status="${status}"\\} (\\d+)`,
        ).exec(metrics)?.[1],
      );
    expect(count(200)).toBe(3);
    expect(count(404)).toBe(1);
  });
});
