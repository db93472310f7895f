import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { toEurekaDelta } from "./eureka-codec.js";
import { Registry } from "./registry.js";
import { registration } from "./test-fixtures.js";

describe("apps/delta assembled from per-instance parts", () => {
  it("answers byte for byte what serialising the whole delta would, plain and gzip, across changes", async () => {
    const registry = new Registry();
    const app = buildApp({ registry });
    const post = (name: string, id: string, extra = {}) =>
      app.inject({ method: "POST", url: `/eureka/apps/${name}`, payload: registration(id, { app: name, ...extra }) });
    for (let i = 0; i < 300; i += 1) await post(i % 2 ? "A" : "B", `i-${i}`);
    for (let round = 0; round < 3; round += 1) {
      await app.inject({ method: "DELETE", url: `/eureka/apps/A/i-${2 * round + 1}` });
      await post("C", `c-${round}`, { status: "DOWN" });
      const expected = JSON.stringify(
        toEurekaDelta(registry.recentChanges(), registry.applications(), registry.version),
      );
      const plain = await app.inject({ url: "/eureka/apps/delta", headers: { accept: "application/json" } });
      expect(plain.body).toBe(expected);
      const zipped = await app.inject({
        url: "/eureka/apps/delta",
        headers: { accept: "application/json", "accept-encoding": "gzip" },
      });
      expect(gunzipSync(zipped.rawPayload).toString()).toBe(expected);
    }
    await app.close();
  });
});
