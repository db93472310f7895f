import { seededRandom } from "@outrigger/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzRequest } from "../fuzz-fixtures.js";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";

const SEED = 7;
const REQUESTS = 800;

describe("seeded fuzz against a real registry process: no 5xx, no exit, nothing unhandled", () => {
  let registry: RegistryProcess;
  beforeAll(async () => {
    registry = await spawnRegistry(["--port", "0"]);
  });
  afterAll(async () => {
    await registry.stop();
  });

  it(`seed ${SEED}: ${REQUESTS} writes over HTTP, sentinel unchanged, process alive, no rejection unhandled`, async () => {
    const random = seededRandom(SEED);
    const sentinel = { Name: "sentinel", ID: "keep-consul", Port: 9000, Check: { TTL: "10m", Status: "passing" } };
    const put = await fetch(`${registry.url}/v1/agent/service/register`, {
      method: "PUT",
      body: JSON.stringify(sentinel),
    });
    expect(put.status).toBe(200);
    const before = (await (await fetch(`${registry.url}/v1/agent/services`)).json()) as Record<string, unknown>;
    for (let i = 0; i < REQUESTS; i += 1) {
      const request = fuzzRequest(random, i);
      const res = await fetch(`${registry.url}${request.url}`, {
        method: request.method,
        headers: request.contentType ? { "content-type": request.contentType } : {},
        ...(request.payload !== "" ? { body: request.payload } : {}),
      });
      await res.arrayBuffer();
      expect(res.status, `request ${i}: ${request.method} ${request.url}`).toBeLessThan(500);
    }
    const after = (await (await fetch(`${registry.url}/v1/agent/services`)).json()) as Record<string, unknown>;
    expect(after["keep-consul"]).toEqual(before["keep-consul"]);
    const metrics = await (await fetch(`${registry.url}/metrics`)).text();
    expect(metrics).toMatch(/^outrigger_registry_unhandled_rejections_total 0$/m);
    expect(registry.child.exitCode).toBeNull();
  }, 60_000);
});
