import { request as httpRequest, type IncomingMessage } from "node:http";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";
import { LongPollAdmission } from "./long-poll-admission.js";

// Held requests are capped per client and in all, as Consul caps a client's HTTP connections
// (hashicorp/consul agent/config/default.go: limits.http_max_conns_per_client = 200). Real sockets throughout:
// each held request is a real connection the server holds until the registry changes or the client leaves.

const apps: FastifyInstance[] = [];
const pending: (() => void)[] = [];
afterEach(async () => {
  for (const abort of pending.splice(0)) abort();
  for (const app of apps.splice(0)) await app.close();
});

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A GET over its own connection from `localAddress`; `held` resolves once the server has the request. */
function get(port: number, path: string, options: { localAddress?: string; headers?: Record<string, string> } = {}) {
  const controller = new AbortController();
  pending.push(() => controller.abort());
  const answer = new Promise<Answer>((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        path,
        agent: false,
        signal: controller.signal,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        headers: options.headers ?? {},
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
          // A dashboard stream never ends: its first bytes are its answer.
          if (res.headers["content-type"]?.startsWith("text/event-stream"))
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
  answer.catch(() => undefined);
  return { answer, abort: () => controller.abort() };
}

async function serve(limits: { maxLongPolls: number; maxLongPollsPerClient: number }, token?: string) {
  const registry = new Registry();
  const app = buildApp({ registry, limits, ...(token ? { token } : {}) });
  apps.push(app);
  await app.listen({ port: 0, host: "0.0.0.0" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const auth = token ? { authorization: `Bearer ${token}` } : undefined;
  await app.inject({
    method: "POST",
    url: "/eureka/apps/WEB",
    payload: registration("w-1", { app: "WEB" }),
    ...(auth ? { headers: auth } : {}),
  });
  const first = await get(port, "/v1/health/service/web", auth ? { headers: auth } : {}).answer;
  const index = String(first.headers["x-consul-index"]);
  return { app, port, index };
}

/** Held requests are open on the server once a request sent after them has been answered on another socket. */
async function settled(port: number, headers: Record<string, string> = {}): Promise<void> {
  expect((await get(port, "/v1/agent/self", { headers }).answer).status).toBe(200);
}

describe("long-poll admission over real sockets", () => {
  it("answers 429 with Retry-After and a stable code past the per-client cap, on every kind of held request", async () => {
    const { port, index } = await serve({ maxLongPolls: 100, maxLongPollsPerClient: 3 });
    const blocking = `/v1/health/service/web?index=${index}&wait=30s`;
    // A watch holds when its index is the application's current one (else it answers at once).
    const watchIndex = (await get(port, "/outrigger/watch/apps/WEB").answer).headers["x-outrigger-index"];
    const watching = `/outrigger/watch/apps/WEB?index=${watchIndex}&wait=30s`;
    const held = [get(port, blocking), get(port, watching), get(port, "/outrigger/events")];
    expect((await held[2]?.answer)?.status).toBe(200);
    await settled(port);
    const consul = await get(port, blocking).answer;
    expect(consul.status).toBe(429);
    expect(consul.headers["retry-after"]).toBe("5");
    expect(consul.headers["x-outrigger-error-code"]).toBe("REGISTRY_TOO_MANY_LONG_POLLS");
    expect(consul.body.length).toBeLessThan(80);
    const watch = await get(port, watching).answer;
    expect(watch.status).toBe(429);
    expect(watch.headers["retry-after"]).toBe("5");
    expect(JSON.parse(watch.body).code).toBe("REGISTRY_TOO_MANY_LONG_POLLS");
    expect((await get(port, "/outrigger/events").answer).status).toBe(429);
    // Requests that do not hold are never refused, and another address has its own allowance.
    expect((await get(port, "/v1/health/service/web").answer).status).toBe(200);
    expect((await get(port, "/eureka/apps", { headers: { accept: "application/json" } }).answer).status).toBe(200);
    const other = get(port, blocking, { localAddress: "127.0.0.2" });
    await settled(port);
    // A client that leaves frees its place: the next held request from that client is admitted.
    held[0]?.abort();
    let again: Answer | undefined;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const next = get(port, blocking);
      const first = await Promise.race([next.answer, settledThen(port)]);
      if (first === "held") {
        again = undefined;
        break;
      }
      again = first;
      expect(first.status).toBe(429);
    }
    expect(again).toBeUndefined();
    other.abort();
  });

  it("caps held requests in all, whoever sends them", async () => {
    const { port, index } = await serve({ maxLongPolls: 2, maxLongPollsPerClient: 10 });
    const blocking = `/v1/health/service/web?index=${index}&wait=30s`;
    get(port, blocking, { localAddress: "127.0.0.2" });
    get(port, blocking, { localAddress: "127.0.0.3" });
    await settled(port);
    expect((await get(port, blocking, { localAddress: "127.0.0.4" }).answer).status).toBe(429);
  });

  it("tells clients behind one address apart by their token", async () => {
    const { port, index } = await serve({ maxLongPolls: 100, maxLongPollsPerClient: 1 }, "fleet-token");
    const blocking = `/v1/health/service/web?index=${index}&wait=30s`;
    get(port, blocking, { headers: { "x-consul-token": "fleet-token" } });
    await settled(port, { "x-consul-token": "fleet-token" });
    const same = await get(port, blocking, { headers: { "x-consul-token": "fleet-token" } }).answer;
    expect(same.status).toBe(429);
    expect(same.body).not.toContain("fleet-token");
    // The same token from another address is another client.
    get(port, blocking, { localAddress: "127.0.0.2", headers: { "x-consul-token": "fleet-token" } });
    await settled(port, { "x-consul-token": "fleet-token" });
    expect(
      (await get(port, blocking, { localAddress: "127.0.0.2", headers: { "x-consul-token": "fleet-token" } }).answer)
        .status,
    ).toBe(429);
  });

  /** Resolves "held" once a later request on another socket has been answered while the first is still open. */
  async function settledThen(port: number): Promise<"held"> {
    await settled(port);
    return "held";
  }
});

describe("LongPollAdmission", () => {
  it("releases each admission once, and a cap of 0 is no cap", () => {
    const admission = new LongPollAdmission({ maxLongPolls: 0, maxLongPollsPerClient: 1 });
    const release = admission.admit("a");
    expect(release).toBeDefined();
    expect(admission.admit("a")).toBeUndefined();
    release?.();
    release?.();
    expect(admission.held).toBe(0);
    expect(admission.admit("a")).toBeDefined();
    expect(admission.admit("b")).toBeDefined();
  });
});
