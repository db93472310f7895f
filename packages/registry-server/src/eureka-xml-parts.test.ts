import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { toEurekaApplications, toEurekaDelta } from "./eureka-codec.js";
import { toEurekaXml } from "./eureka-xml.js";
import { Registry } from "./registry.js";
import { fakeClock, registration } from "./test-fixtures.js";

// The XML full fetch and delta are assembled from kept per-instance pieces; they must stay byte for byte what the
// XML library builds from the whole document (eureka-xml.ts, itself checked against Eureka's XStream shape).

async function seeded() {
  const registry = new Registry({ clock: fakeClock() });
  const app = buildApp({ registry });
  for (let i = 0; i < 300; i += 1) {
    const name = `APP-${i % 7}`;
    const response = await app.inject({
      method: "POST",
      url: `/eureka/apps/${name}`,
      payload: registration(`i-${i}`, {
        app: name,
        metadata: { zone: i % 2 ? "eu<1>" : "us & 2", quote: `"q'${i}` },
      }),
    });
    expect(response.statusCode).toBe(204);
  }
  return { registry, app };
}

async function fetchXml(app: ReturnType<typeof buildApp>, url: string, gzip: boolean): Promise<string> {
  const res = await app.inject({ url, headers: gzip ? { "accept-encoding": "gzip" } : {} });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/xml/);
  return gzip ? gunzipSync(res.rawPayload).toString() : res.body;
}

describe("XML full fetch and delta in parts", () => {
  it("equal the whole-document XML, plain and gzip, before and after changes", async () => {
    const { registry, app } = await seeded();
    for (let round = 0; round < 3; round += 1) {
      const full = toEurekaXml(toEurekaApplications(registry.applications(), registry.version));
      const delta = toEurekaXml(toEurekaDelta(registry.recentChanges(), registry.applications(), registry.version));
      for (const gzip of [false, true]) {
        expect(await fetchXml(app, "/eureka/apps", gzip)).toBe(full);
        expect(await fetchXml(app, "/eureka/apps/delta", gzip)).toBe(delta);
      }
      // A status change, a cancel and a new application: the kept pieces of everything else are reused.
      await app.inject({ method: "PUT", url: `/eureka/apps/APP-1/i-${round * 7 + 1}/status?value=OUT_OF_SERVICE` });
      await app.inject({ method: "DELETE", url: `/eureka/apps/APP-2/i-${round * 7 + 2}` });
      await app.inject({
        method: "POST",
        url: `/eureka/apps/NEW-${round}`,
        payload: registration("n", { app: `NEW-${round}` }),
      });
    }
    await app.close();
  });

  it("equal it for an empty registry", async () => {
    const registry = new Registry();
    const app = buildApp({ registry });
    expect(await fetchXml(app, "/eureka/apps", false)).toBe(
      toEurekaXml(toEurekaApplications(registry.applications(), 0)),
    );
    expect(await fetchXml(app, "/eureka/apps/delta", false)).toBe(
      toEurekaXml(toEurekaDelta([], registry.applications(), 0)),
    );
    await app.close();
  });
});
