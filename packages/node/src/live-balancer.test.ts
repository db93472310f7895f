import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstance } from "./outrigger.fixture.js";
import { createOutrigger, type Outrigger } from "./outrigger.js";

// A live change of outlierDetection used to build a new balancer for the service: its ejections (and EWMA,
// requests in flight) were lost, so an instance ejected a moment ago was back in rotation at once.
describe("a live change of outlier detection keeps the service's balancer", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  let dir = "";
  const opened: Outrigger[] = [];

  beforeAll(async () => {
    registry = await startServer({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), "og-live-lb-"));
  });
  afterAll(async () => {
    await Promise.all(opened.map((og) => og.close()));
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an instance ejected before the change stays ejected after it", async () => {
    const eureka = `${registry.url}/eureka`;
    const good = await startInstance("ejecting", eureka, () => "good");
    const bad = await startInstance("ejecting", eureka, (_path, response) => {
      response.statusCode = 503;
      return "bad";
    });
    opened.push(good.og, bad.og);
    const write = (consecutive5xx: number) =>
      writeAtomically(dir, {
        "default.json": JSON.stringify({
          outrigger: {
            registry: { url: eureka, enabled: false },
            shutdown: { signals: [] },
            clients: {
              services: {
                ejecting: {
                  outlierDetection: { consecutive5xx, baseEjectionTimeMs: 600_000 },
                  retry: { maxAttempts: 1 },
                },
              },
            },
          },
        }),
      });
    write(2);
    const client = await createOutrigger({ service: "orders", port: 0, config: dir, logger: { warn: () => {} } });
    opened.push(client);
    const answers = async (n: number) => {
      const seen: string[] = [];
      for (let i = 0; i < n; i++) seen.push(await (await client.fetch("lb://ejecting/items")).text());
      return seen;
    };
    // Round robin over the two until "bad" failed twice in a row: then it is ejected (for 10 min).
    await expect.poll(async () => (await answers(2)).filter((a) => a === "bad").length, { timeout: 5_000 }).toBe(0);
    expect(await answers(6)).toEqual(Array(6).fill("good"));

    write(3);
    await expect
      .poll(() => client.config().clients.services.ejecting?.outlierDetection, { timeout: 5_000 })
      .toEqual({ consecutive5xx: 3, baseEjectionTimeMs: 600_000 });
    expect(await answers(6)).toEqual(Array(6).fill("good"));
  });
});
