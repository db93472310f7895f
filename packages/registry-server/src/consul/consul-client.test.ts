import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import Consul from "consul";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";

/*
 * The unmodified `consul` npm client (2.x) against a real registry process: `dist/cli.js`, built by `npm test`
 * before the tests run. Nothing here sleeps: every wait is on an event (the child's JSON line, a watch change).
 */

const cli = resolve(dirname(fileURLToPath(import.meta.url)), "../../dist/cli.js");

interface HealthEntry {
  Service: { ID: string; Service: string; Port: number; Address: string };
  Checks: { CheckID: string; Status: string; Output: string }[];
}

/** Collects a watch's change events, so a test can wait for the next one that matches. */
class Changes {
  readonly #seen: HealthEntry[][] = [];
  readonly #waiting = new Set<() => void>();
  #from = 0;

  push(data: HealthEntry[]): void {
    this.#seen.push(data);
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of waiting) wake();
  }

  async next(match: (entries: HealthEntry[]) => boolean): Promise<HealthEntry[]> {
    for (;;) {
      // Only changes after the last one matched count, so each wait is for something new.
      const at = this.#seen.findIndex((entries, i) => i >= this.#from && match(entries));
      const found = this.#seen[at];
      if (found) {
        this.#from = at + 1;
        return found;
      }
      await new Promise<void>((wake) => this.#waiting.add(wake));
    }
  }
}

const serviceCheck = (entry: HealthEntry | undefined) => entry?.Checks.find((c) => c.CheckID.startsWith("service:"));

describe("the consul npm client against a real registry process", () => {
  let child: ChildProcess;
  let url = "";
  let consul: Consul;

  beforeAll(async () => {
    child = spawn(process.execPath, [cli, "--port", "0", "--check-deregister-min", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const [line] = (await once(lines, "line")) as [string];
    const listening = JSON.parse(line) as { event: string; url: string; port: number };
    expect(listening.event).toBe("listening");
    url = listening.url;
    consul = new Consul({ host: "127.0.0.1", port: listening.port });
  });

  afterAll(async () => {
    consul?.destroy();
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await once(child, "exit");
    }
  });

  it("registers with a TTL check, passes it, finds it passing, watches a second instance come and go critical, deregisters", async () => {
    await consul.agent.service.register({
      name: "pay",
      id: "pay-1",
      address: "127.0.0.1",
      port: 7001,
      check: { name: "heartbeat", ttl: "60s", timeout: "1s" },
    });
    expect(await consul.health.service({ service: "pay", passing: true })).toEqual([]); // a new TTL check is critical
    await consul.agent.check.pass({ id: "service:pay-1", note: "ready" });
    const passing = (await consul.health.service({ service: "pay", passing: true })) as HealthEntry[];
    expect(
      passing.map((e) => [e.Service.ID, e.Service.Port, serviceCheck(e)?.Status, serviceCheck(e)?.Output]),
    ).toEqual([["pay-1", 7001, "passing", "ready"]]);

    const changes = new Changes();
    const watch = consul.watch({ method: consul.health.service, options: { service: "pay", wait: "5s" } });
    const errors: unknown[] = [];
    watch.on("change", (data: HealthEntry[]) => changes.push(data));
    watch.on("error", (error: unknown) => errors.push(error));
    try {
      await changes.next((entries) => entries.length === 1);
      await consul.agent.service.register({
        name: "pay",
        id: "pay-2",
        port: 7002,
        check: { name: "heartbeat", ttl: "1s", timeout: "1s", status: "passing" },
      });
      const two = await changes.next((entries) => entries.length === 2);
      expect(serviceCheck(two.find((e) => e.Service.ID === "pay-2"))?.Status).toBe("passing");
      // No pass arrives for pay-2: its 1 s TTL lapses and the watch reports it critical.
      const lapsed = await changes.next(
        (entries) => serviceCheck(entries.find((e) => e.Service.ID === "pay-2"))?.Status === "critical",
      );
      expect(serviceCheck(lapsed.find((e) => e.Service.ID === "pay-2"))?.Output).toMatch(/^TTL expired/);
      expect(serviceCheck(lapsed.find((e) => e.Service.ID === "pay-1"))?.Status).toBe("passing");
      expect(
        ((await consul.health.service({ service: "pay", passing: true })) as HealthEntry[]).map((e) => e.Service.ID),
      ).toEqual(["pay-1"]);

      await consul.agent.service.deregister("pay-2");
      await changes.next((entries) => entries.length === 1 && entries[0]?.Service.ID === "pay-1");
      expect(errors).toEqual([]);
    } finally {
      watch.end();
    }
    await consul.agent.service.deregister({ id: "pay-1" });
    expect(await consul.health.service("pay")).toEqual([]);
  });

  it("shows a Consul service to Eureka clients and a Eureka instance to Consul clients, watches included", async () => {
    await consul.agent.service.register({
      name: "cart",
      id: "cart-1",
      address: "127.0.0.1",
      port: 7100,
      tags: ["v1"],
      check: { name: "heartbeat", ttl: "60s", timeout: "1s", status: "passing" },
    });
    const eureka = (await (
      await fetch(`${url}/eureka/apps/CART`, { headers: { accept: "application/json" } })
    ).json()) as {
      application: { instance: { instanceId: string; status: string; port: { $: number } }[] };
    };
    expect(eureka.application.instance.map((i) => [i.instanceId, i.status, i.port.$])).toEqual([
      ["cart-1", "UP", 7100],
    ]);
    // The Eureka side's watch (Outrigger's long poll) wakes on a Consul check failing.
    const index = (await fetch(`${url}/outrigger/watch/apps/CART`)).headers.get("x-outrigger-index");
    const eurekaWatch = fetch(`${url}/outrigger/watch/apps/CART?index=${index}&wait=30s`);
    await consul.agent.check.fail({ id: "service:cart-1", note: "broken" });
    const down = (await (await eurekaWatch).json()) as typeof eureka;
    expect(down.application.instance[0]?.status).toBe("DOWN");

    // A Consul watch wakes on a Eureka registration.
    const changes = new Changes();
    const watch = consul.watch({ method: consul.health.service, options: { service: "cart", wait: "30s" } });
    watch.on("change", (data: HealthEntry[]) => changes.push(data));
    await changes.next((entries) => entries.length === 1);
    const registered = await fetch(`${url}/eureka/apps/CART`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        instance: {
          instanceId: "cart-eureka",
          app: "CART",
          hostName: "127.0.0.1",
          ipAddr: "127.0.0.1",
          port: 7200,
          dataCenterInfo: { name: "MyOwn" },
        },
      }),
    });
    expect(registered.status).toBe(204);
    const entries = await changes.next((found) => found.length === 2).finally(() => watch.end());
    const mirrored = entries.find((e) => e.Service.ID === "cart-eureka");
    expect([
      mirrored?.Service.Service,
      mirrored?.Service.Port,
      serviceCheck(mirrored)?.CheckID,
      serviceCheck(mirrored)?.Status,
    ]).toEqual(["cart", 7200, "service:cart-eureka", "passing"]);
    expect(
      ((await consul.health.service({ service: "cart", passing: true })) as HealthEntry[]).map((e) => e.Service.ID),
    ).toEqual(["cart-eureka"]);
    expect(await consul.catalog.service.list()).toMatchObject({ cart: ["v1"] });
    expect(await consul.status.leader()).toBe("127.0.0.1:8300");
  });

  it("over plain HTTP: probes an HTTP check, reaps it when critical, blocks on indexes that never go back, survives bad input", async () => {
    let answer = 429;
    const target = createServer((_req, res) => res.writeHead(answer).end(`answer ${answer}`));
    await new Promise<void>((ready) => target.listen(0, "127.0.0.1", ready));
    const targetPort = (target.address() as { port: number }).port;
    const indexes: number[] = [];
    /** Blocking queries, each from the index of the last answer, until `match` holds. */
    const until = async (match: (entries: HealthEntry[]) => boolean): Promise<HealthEntry[]> => {
      let index = 0;
      for (;;) {
        const response = await fetch(`${url}/v1/health/service/probe?index=${index}&wait=10s`);
        index = Number(response.headers.get("x-consul-index"));
        indexes.push(index);
        const entries = (await response.json()) as HealthEntry[];
        if (match(entries)) return entries;
      }
    };
    try {
      const registered = await fetch(`${url}/v1/agent/service/register`, {
        method: "PUT",
        body: JSON.stringify({
          Name: "probe",
          ID: "probe-1",
          Port: targetPort,
          Check: {
            HTTP: `http://127.0.0.1:${targetPort}/health`,
            Interval: "100ms",
            DeregisterCriticalServiceAfter: "300ms",
          },
        }),
      });
      expect(registered.status).toBe(200);
      await until((entries) => serviceCheck(entries[0])?.Status === "warning"); // 429
      const eureka = (await (
        await fetch(`${url}/eureka/apps/PROBE`, { headers: { accept: "application/json" } })
      ).json()) as {
        application: { instance: { status: string; metadata: Record<string, string> }[] };
      };
      expect(eureka.application.instance[0]?.status).toBe("UP");
      expect(eureka.application.instance[0]?.metadata["consul.checkNote"]).toMatch(/429/);
      answer = 200;
      await until((entries) => serviceCheck(entries[0])?.Status === "passing");
      answer = 500;
      await until((entries) => serviceCheck(entries[0])?.Status === "critical");
      await until((entries) => entries.length === 0); // reaped after 300 ms critical
      expect((await fetch(`${url}/eureka/apps/PROBE`, { headers: { accept: "application/json" } })).status).toBe(404);
    } finally {
      target.close();
    }
    expect(indexes.every((index, i) => index >= 1 && index >= (indexes[i - 1] ?? 1))).toBe(true);

    const bad = [
      await fetch(`${url}/v1/agent/service/register`, { method: "PUT", body: "{not json" }),
      await fetch(`${url}/v1/agent/service/register`, { method: "PUT", body: "[1,2]" }),
      await fetch(`${url}/v1/agent/check/pass/service:nobody`, { method: "PUT" }),
      await fetch(`${url}/v1/health/service/probe?index=-1`),
      await fetch(`${url}/v1/kv/key`),
    ];
    expect(
      bad.map((r) => [
        r.status,
        r.headers.get("content-type")?.split(";")[0],
        r.headers.get("x-consul-index") !== null,
      ]),
    ).toEqual([
      [400, "text/plain", true],
      [400, "text/plain", true],
      [404, "text/plain", true],
      [400, "text/plain", true],
      [501, "text/plain", true],
    ]);
    expect(await bad[2]?.text()).toBe(
      'Unknown check ID "service:nobody". Ensure that the check ID is passed, not the check name.',
    );
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${url}/v1/agent/self`)).status).toBe(200);
  });
});

describe("the consul npm client with a token, over a real socket", () => {
  const app = buildApp({ registry: new Registry(), consul: { token: "t0ken" } });
  let port = 0;
  beforeAll(async () => {
    await app.listen({ port: 0, host: "127.0.0.1" });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  it("works with the token the client sends as X-Consul-Token, and is refused without it", async () => {
    const withToken = new Consul({ host: "127.0.0.1", port, defaults: { token: "t0ken" } });
    const without = new Consul({ host: "127.0.0.1", port });
    try {
      await withToken.agent.service.register({ name: "vault", port: 1 });
      expect(Object.keys(await withToken.catalog.service.list())).toEqual(["consul", "vault"]);
      await expect(without.catalog.service.list()).rejects.toMatchObject({ statusCode: 403 });
      const bearer = await fetch(`http://127.0.0.1:${port}/v1/catalog/services`, {
        headers: { authorization: "Bearer t0ken" },
      });
      expect(bearer.status).toBe(200);
    } finally {
      withToken.destroy();
      without.destroy();
    }
  });
});
