import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import type { RegistryChange } from "../registry-types.js";
import { ConsulAgent } from "./agent.js";
import { parseServiceDefinition } from "./definition.js";

const define = (body: Record<string, unknown>) =>
  parseServiceDefinition({ Name: "web", Port: 80, ...body }, "127.0.0.1");

/** Resolves on the first registry change that `match` accepts. */
function nextChange(registry: Registry, match: (change: RegistryChange) => boolean): Promise<RegistryChange> {
  return new Promise((resolve) => {
    const stop = registry.onChange((change) => {
      if (match(change)) {
        stop();
        resolve(change);
      }
    });
  });
}

const listen = (server: Server | ReturnType<typeof createTcpServer>): Promise<number> =>
  new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));

describe("Consul checks (fake clock)", () => {
  let registry: Registry;
  let agent: ConsulAgent;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    registry = new Registry();
    agent = new ConsulAgent({ registry });
  });
  afterEach(() => {
    agent.close();
    vi.useRealTimers();
  });

  it("turns a TTL check critical (Eureka DOWN) when it is not passed within its TTL, and UP again on a pass", () => {
    agent.register(define({ ID: "web-1", Check: { TTL: "10s", Status: "passing" } }));
    expect(registry.get("WEB", "web-1")?.info.status).toBe("UP");
    vi.advanceTimersByTime(9_000);
    agent.check("service:web-1")?.update("passing", "alive");
    vi.advanceTimersByTime(9_000); // 18 s after registration, 9 s after the pass: still within the TTL
    expect(agent.check("service:web-1")?.status).toBe("passing");
    vi.advanceTimersByTime(1_001);
    const check = agent.check("service:web-1");
    expect(check?.status).toBe("critical");
    expect(check?.output).toBe("TTL expired (last output before timeout follows): alive");
    expect(registry.get("WEB", "web-1")?.info.status).toBe("DOWN");
    check?.update("passing", "back");
    expect(registry.get("WEB", "web-1")?.info.status).toBe("UP");
  });

  it("maps warning to UP with the note in metadata, and does not move the index for output alone", () => {
    agent.register(define({ ID: "web-1", Check: { TTL: "10s" } }));
    const check = agent.check("service:web-1");
    check?.update("warning", "disk 91%");
    const info = registry.get("WEB", "web-1")?.info;
    expect(info?.status).toBe("UP");
    expect(info?.metadata["consul.checkStatus"]).toBe("warning");
    expect(info?.metadata["consul.checkNote"]).toBe("disk 91%");
    check?.update("passing", "ok");
    const index = registry.appIndex("web");
    check?.update("passing", "still ok");
    expect(registry.appIndex("web")).toBe(index);
    expect(registry.get("WEB", "web-1")?.info.metadata["consul.checkNote"]).toBeUndefined();
  });

  it("reaps a service whose check stays critical for DeregisterCriticalServiceAfter, not one that recovers", () => {
    agent.register(define({ ID: "a", Check: { TTL: "5s", Status: "passing", DeregisterCriticalServiceAfter: "1m" } }));
    agent.register(define({ ID: "b", Check: { TTL: "5s", Status: "passing", DeregisterCriticalServiceAfter: "1m" } }));
    vi.advanceTimersByTime(5_001); // both critical now
    vi.advanceTimersByTime(30_000);
    agent.check("service:b")?.update("passing", "recovered");
    vi.advanceTimersByTime(30_000);
    expect(registry.get("WEB", "a")).toBeUndefined();
    expect(agent.check("service:a")).toBeUndefined();
    // b went critical again 5 s after its pass (t = 40 s), so its reap clock restarted then: gone at t = 100 s.
    expect(registry.get("WEB", "b")?.info.status).toBe("DOWN");
    vi.advanceTimersByTime(34_000);
    expect(registry.get("WEB", "b")).toBeDefined();
    vi.advanceTimersByTime(1_000);
    expect(registry.get("WEB", "b")).toBeUndefined();
  });

  it("a service registered again under a new name keeps its id's checks, and its old instance goes", () => {
    agent.register(define({ ID: "web-1", Check: { CheckID: "alive", TTL: "5s", Status: "passing" } }));
    const renamed = { Name: "api", ID: "web-1", Port: 80, Check: { CheckID: "ready", TTL: "60s", Status: "passing" } };
    agent.register(parseServiceDefinition(renamed, "127.0.0.1"));
    expect(registry.get("web", "web-1")).toBeUndefined();
    expect(agent.service("web-1")?.checks.map((c) => c.id)).toEqual(["ready", "alive"]);
    expect(registry.get("api", "web-1")?.info.status).toBe("UP");
    vi.advanceTimersByTime(6_000); // only the kept check's TTL lapses: it reports to the renamed service
    expect(registry.get("api", "web-1")?.info.status).toBe("DOWN");
  });

  it("keeps maintenance mode over a re-registration; replace-existing-checks removes it with the other checks", () => {
    agent.register(define({ ID: "web-1", Check: { CheckID: "alive", TTL: "60s", Status: "passing" } }));
    expect(agent.setMaintenance("web-1", true, "deploy")).toBe(true);
    expect(registry.get("web", "web-1")?.info.status).toBe("OUT_OF_SERVICE");
    agent.register(define({ ID: "web-1", Check: { CheckID: "alive", TTL: "60s", Status: "passing" } }));
    expect(agent.service("web-1")?.maintenance?.id).toBe("_service_maintenance:web-1");
    expect(registry.get("web", "web-1")?.info.status).toBe("OUT_OF_SERVICE");
    const check = { CheckID: "alive", TTL: "60s", Status: "passing" };
    agent.register(define({ ID: "web-1", Check: check }), { replaceExistingChecks: true });
    expect(agent.service("web-1")?.maintenance).toBeUndefined();
    expect(registry.get("web", "web-1")?.info.status).toBe("UP");
  });

  it("stops tracking a service that a Eureka client replaces or cancels, and re-registers in place", () => {
    agent.register(define({ ID: "web-1", Check: { TTL: "5s", Status: "passing" } }));
    agent.register(define({ ID: "web-1", Tags: ["v2"], Check: { TTL: "5s", Status: "passing" } }));
    expect(registry.application("web")).toHaveLength(1);
    expect(registry.get("web", "web-1")?.actionType).toBe("MODIFIED");
    const eureka = {
      instance: {
        instanceId: "web-1",
        app: "web",
        hostName: "h",
        ipAddr: "10.0.0.2",
        dataCenterInfo: { name: "MyOwn" },
      },
    };
    registry.register(parseRegistration(eureka, "web", Date.now()));
    expect(agent.serviceOf("WEB", "web-1")).toBeUndefined();
    vi.advanceTimersByTime(10_000); // the old TTL check no longer writes
    expect(registry.get("web", "web-1")?.info.status).toBe("UP");
    expect(agent.deregister("web-1")).toBe(false);
  });
});

describe("Consul checks probed by the registry (real loopback servers)", () => {
  const registry = new Registry();
  const agent = new ConsulAgent({ registry });
  let answer = 200;
  const http = createHttpServer((_req, res) => {
    res.writeHead(answer).end(`status ${answer}`);
  });
  const tcp = createTcpServer((socket) => socket.destroy());
  afterEach(() => agent.deregister("probed"));

  it("probes an HTTP check on its interval: 2xx passing, 429 warning, anything else critical", async () => {
    const port = await listen(http);
    const status = () => agent.check("service:probed")?.status;
    const changed = () => nextChange(registry, (c) => c.lease.info.instanceId === "probed");
    let next = changed();
    agent.register(define({ ID: "probed", Check: { HTTP: `http://127.0.0.1:${port}/health`, Interval: "50ms" } }));
    await next;
    while (status() !== "passing") await changed();
    expect(agent.check("service:probed")?.output).toMatch(/: 200 OK Output: status 200/);
    answer = 429;
    next = changed();
    await next;
    expect(status()).toBe("warning");
    expect(registry.get("web", "probed")?.info.status).toBe("UP");
    answer = 503;
    await changed();
    expect(status()).toBe("critical");
    expect(registry.get("web", "probed")?.info.status).toBe("DOWN");
    http.close();
  });

  it("probes a TCP check: passing while the port accepts, critical once it is closed", async () => {
    const port = await listen(tcp);
    const changed = () => nextChange(registry, (c) => c.lease.info.instanceId === "probed");
    let next = changed();
    agent.register(define({ ID: "probed", Check: { TCP: `127.0.0.1:${port}`, Interval: "50ms", Timeout: "1s" } }));
    await next; // the registration itself (critical until probed)
    next = changed();
    await next;
    expect(agent.check("service:probed")?.status).toBe("passing");
    await new Promise((resolve) => tcp.close(resolve));
    await changed();
    expect(agent.check("service:probed")?.status).toBe("critical");
    expect(agent.check("service:probed")?.output).toMatch(/ECONNREFUSED/);
    agent.close();
  });
});
