// The control plane end to end on real processes: a registry process (the built CLI), three backend instances
// (v1, v1, v2) registered over HTTP, and a client process running createOutrigger with a seeded control plane.
// Semantics from Istio's networking/v1 VirtualService (weighted routes, header matches, HTTPFaultInjection,
// mirrorPercentage) and Envoy's xDS ACK/NACK (envoy/service/discovery/v3/discovery.proto: a NACK carries
// error_detail and the client keeps the previous version_info).
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOutrigger, type Outrigger } from "../outrigger.js";
import { freePort, type LineProcess, spawnClient, spawnRegistryCli } from "./processes.fixture.js";

const SUBSETS = [
  { name: "v1", labels: { version: "v1" } },
  { name: "v2", labels: { version: "v2" } },
  { name: "v3", labels: { version: "v3" } },
];
const CANARY = { match: [{ headers: { "x-canary": { exact: "true" } } }], route: [{ subset: "v2" }] };
const split = (v2: number) => ({
  destination: { subsets: SUBSETS },
  routes: [
    CANARY,
    {
      route: [
        { subset: "v1", weight: 100 - v2 },
        { subset: "v2", weight: v2 },
      ],
    },
  ],
});

let registry: Awaited<ReturnType<typeof spawnRegistryCli>>;
let client: LineProcess;
let stateDir: string;
const backends: { og: Outrigger; server: Server }[] = [];
const hits: Record<string, number> = { v1: 0, v2: 0 };
let commands = 0;

async function backend(version: string): Promise<void> {
  const og = await createOutrigger({
    service: "backend",
    port: 0,
    config: {
      outrigger: {
        registry: { url: `${registry.url}/eureka`, renewIntervalMs: 1_000 },
        instance: { host: "127.0.0.1", metadata: { version } },
        shutdown: { signals: [], graceMs: 1_000 },
      },
    },
    logger: { warn: () => {} },
  });
  const server = createServer((_request, response) => {
    hits[version] = (hits[version] ?? 0) + 1;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ version }));
  });
  await og.listen(server, "127.0.0.1");
  backends.push({ og, server });
}

async function policy(method: string, path: string, body?: unknown, type = "application/json"): Promise<unknown> {
  const answer = await fetch(`${registry.url}/outrigger/policy${path}`, {
    method,
    headers: { "content-type": type },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  expect(answer.status, await answer.clone().text()).toBe(200);
  return answer.json();
}

/** Writes a policy and waits for the client's ACK or NACK of it. */
async function push(body: unknown, status: "ACK" | "NACK" = "ACK"): Promise<Record<string, unknown>> {
  const applied = client.next("apply", (line) => line.status === status);
  await policy("PUT", "/services/backend", body);
  return applied;
}

async function run(
  n: number,
  extra: Record<string, unknown> = {},
): Promise<{ seen: Record<string, number>; slow: number }> {
  const id = ++commands;
  const done = client.next("done", (line) => line.id === id);
  client.send({ id, n, concurrency: 20, ...extra });
  return (await done) as never;
}

beforeAll(async () => {
  registry = await spawnRegistryCli(await freePort());
  for (const version of ["v1", "v1", "v2"]) await backend(version);
  stateDir = await mkdtemp(join(tmpdir(), "cp-state-"));
  client = await spawnClient(registry.url, stateDir);
  // The client watches a service from its first call on (its parts are made on first use).
  expect(Object.keys((await run(20)).seen)).toEqual(expect.arrayContaining(["v1"]));
}, 60_000);

afterAll(async () => {
  await client?.stop();
  for (const { og } of backends) await og.close();
  await registry?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe("control plane: the registry's policy applied by client processes", () => {
  it("splits 95/5 within ±2% over 10 000 requests, sends x-canary: true to v2 only, and ACKs the revision", async () => {
    expect(await push(split(5))).toMatchObject({ revision: 1, status: "ACK", source: "registry" });
    const { seen } = await run(10_000);
    expect((seen.v1 ?? 0) + (seen.v2 ?? 0)).toBe(10_000);
    expect(Math.abs((seen.v2 ?? 0) / 10_000 - 0.05)).toBeLessThanOrEqual(0.02);
    expect((await run(500, { headers: { "x-canary": "true" } })).seen).toEqual({ v2: 500 });
    await expect
      .poll(async () => ((await policy("GET", "/reports")) as { reports: unknown[] }).reports)
      .toContainEqual(expect.objectContaining({ service: "BACKEND", revision: 1, status: "ACK" }));
  }, 120_000);

  it("og.http (axios) follows the same revision: split, header match", async () => {
    const { seen } = await run(2_000, { via: "http" });
    expect(Math.abs((seen.v2 ?? 0) / 2_000 - 0.05)).toBeLessThanOrEqual(0.02);
    expect((await run(200, { via: "http", headers: { "x-canary": "true" } })).seen).toEqual({ v2: 200 });
  }, 120_000);

  it("injects fault delays and aborts at the configured rates (±2%)", async () => {
    const faulty = split(0);
    (faulty.routes[1] as Record<string, unknown>).fault = {
      delay: { fixedDelayMs: 3_000, percentage: 10 },
      abort: { httpStatus: 503, percentage: 20 },
    };
    await push(faulty);
    // A delayed answer takes ≥ 3 s; on a busy 2-core machine an undelayed one takes well under a second.
    const { seen, slow } = await run(1_000, { slowMs: 3_000, concurrency: 100 });
    expect(Math.abs(slow / 1_000 - 0.1)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((seen["503"] ?? 0) / 1_000 - 0.2)).toBeLessThanOrEqual(0.02);
    expect((seen["503"] ?? 0) + (seen.v1 ?? 0)).toBe(1_000);
    const viaHttp = (await run(1_000, { via: "http" })).seen;
    expect(Math.abs((viaHttp["503"] ?? 0) / 1_000 - 0.2)).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it("mirrors a share to a subset: the caller sees only the primary's answers, copies reach the mirror", async () => {
    const mirrored = split(0);
    (mirrored.routes[1] as Record<string, unknown>).mirror = { subset: "v2", percentage: 50 };
    await push(mirrored);
    const before = hits.v2 ?? 0;
    const { seen } = await run(1_000);
    expect(seen).toEqual({ v1: 1_000 });
    await expect.poll(() => (hits.v2 ?? 0) - before, { timeout: 10_000 }).toBeGreaterThanOrEqual(450);
    expect((hits.v2 ?? 0) - before).toBeLessThanOrEqual(550);
    // A mirror subset without instances: every copy fails, no caller sees it.
    const nowhere = split(0);
    (nowhere.routes[1] as Record<string, unknown>).mirror = { subset: "v3", percentage: 100 };
    await push(nowhere);
    expect((await run(200)).seen).toEqual({ v1: 200 });
  }, 120_000);

  it("NACKs a revision it cannot apply, with the reason, and keeps serving the previous one", async () => {
    const canary = await push(split(5));
    const previous = canary.revision as number;
    const unapplicable = split(50);
    unapplicable.destination.subsets = [
      { ...SUBSETS[0], trafficPolicy: { rule: { name: "random" } } } as never,
      ...SUBSETS.slice(1),
    ];
    const nack = await push(unapplicable, "NACK");
    expect(nack).toMatchObject({ revision: previous + 1, reason: expect.stringContaining("destination.subsets[0]") });
    // The report is sent after the client's event: poll the registry until it arrives.
    await expect
      .poll(async () => ((await policy("GET", "/reports")) as { reports: unknown[] }).reports)
      .toContainEqual(
        expect.objectContaining({
          revision: previous + 1,
          status: "NACK",
          reason: expect.stringContaining("per-subset"),
        }),
      );
    const { seen } = await run(2_000);
    expect(Math.abs((seen.v2 ?? 0) / 2_000 - 0.05)).toBeLessThanOrEqual(0.02); // still 95/5, not 50/50
  }, 120_000);

  it("rollback restores the earlier behaviour", async () => {
    const half = await push(split(50));
    expect(Math.abs(((await run(2_000)).seen.v2 ?? 0) / 2_000 - 0.5)).toBeLessThanOrEqual(0.03);
    const applied = client.next("apply", (line) => line.status === "ACK");
    await policy("POST", "/services/backend/rollback", { revision: 1 });
    expect(await applied).toMatchObject({ revision: (half.revision as number) + 1 });
    expect(Math.abs(((await run(2_000)).seen.v2 ?? 0) / 2_000 - 0.05)).toBeLessThanOrEqual(0.02);
  }, 120_000);

  it("applies an Istio DestinationRule + VirtualService pair end to end", async () => {
    const applied = client.next("apply", (line) => line.status === "ACK");
    await policy("POST", "/apply", ISTIO, "application/yaml");
    await applied;
    expect((await run(300, { path: "/api/items", headers: { "x-canary": "true" } })).seen).toEqual({ v2: 300 });
    expect((await run(300, { path: "/api/items" })).seen).toEqual({ v1: 300 });
    expect((await run(10, { path: "/elsewhere" })).seen).toEqual({ 404: 10 }); // no route matched, as Envoy
  }, 120_000);

  it("applies the last revision from its state file at start while the registry is down", async () => {
    await registry.stop();
    const second = await spawnClient(registry.url, stateDir);
    try {
      const fromFile = second.next("apply");
      const done = second.next("done");
      second.send({ id: 1, n: 50, path: "/api/items", headers: { "x-canary": "true" } });
      expect(await fromFile).toMatchObject({ status: "ACK", source: "file" });
      expect((await done).seen).toEqual({ v2: 50 });
    } finally {
      await second.stop();
    }
  }, 120_000);
});

const ISTIO = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: backend }
spec:
  host: backend.default.svc.cluster.local
  trafficPolicy:
    loadBalancer: { simple: LEAST_REQUEST }
  subsets:
  - { name: v1, labels: { version: v1 } }
  - { name: v2, labels: { version: v2 } }
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: backend }
spec:
  hosts: [backend.default.svc.cluster.local]
  http:
  - match: [{ headers: { x-canary: { exact: "true" } } }]
    route: [{ destination: { host: backend, subset: v2 } }]
  - match: [{ uri: { prefix: /api } }]
    route: [{ destination: { host: backend, subset: v1 } }]
    timeout: 2s
    retries: { attempts: 2, perTryTimeout: 500ms }
`;
