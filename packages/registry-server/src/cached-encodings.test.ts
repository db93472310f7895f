import { gunzipSync } from "node:zlib";
import { seededRandom } from "@outrigger/core";
import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { toEurekaApplications } from "./eureka-codec.js";
import { Registry } from "./registry.js";
import { fakeClock, registration } from "./test-fixtures.js";

/** Every cached read; the full fetch is built from kept chunks, the others gzip whole. */
const CACHED_READS = [
  "/eureka/apps",
  "/eureka/v2/apps",
  "/eureka/apps/delta",
  "/eureka/apps/BIG",
  "/eureka/vips/big",
  "/eureka/svips/big",
  "/outrigger/watch/apps/BIG?index=-1&wait=1s",
];

/** The document with every `lastRenewalTimestamp` blanked. */
function withoutRenewalTimes(json: string): string {
  return json.replace(/"lastRenewalTimestamp":\d+/g, '"lastRenewalTimestamp":0');
}

function body(id: string, app: string) {
  return registration(id, {
    app,
    vipAddress: app.toLowerCase(),
    secureVipAddress: app.toLowerCase(),
    metadata: { zone: `z${id.length % 3}` },
  });
}

describe("cached reads: plain and gzip stay the same document", () => {
  it("through many interleaved registers, status changes, metadata, renews and cancels", async () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    const app = buildApp({ registry });
    const random = seededRandom(7);
    const apps = ["BIG", "MID", "ONE"];
    const ids: Record<string, string[]> = { BIG: [], MID: [], ONE: [] };
    let next = 0;
    const register = async (name: string) => {
      const id = `${name.toLowerCase()}-${next++}`;
      await app.inject({ method: "POST", url: `/eureka/apps/${name}`, payload: body(id, name) });
      ids[name]?.push(id);
    };
    // BIG spans several chunks (about 64 instances each), so changes land in the middle of the document.
    for (let i = 0; i < 300; i += 1) await register(i % 10 === 0 ? "MID" : "BIG");
    await register("ONE");

    for (let round = 0; round < 60; round += 1) {
      for (let writes = 1 + Math.floor(random() * 4); writes > 0; writes -= 1) {
        const name = apps[Math.floor(random() * apps.length)] as string;
        const list = ids[name] as string[];
        const id = list[Math.floor(random() * list.length)];
        const roll = random();
        clock.advance(1000);
        if (roll < 0.2 || !id) await register(name);
        else if (roll < 0.45) {
          const value = random() < 0.5 ? "OUT_OF_SERVICE" : "UP";
          await app.inject({ method: "PUT", url: `/eureka/apps/${name}/${id}/status?value=${value}` });
        } else if (roll < 0.6) {
          await app.inject({ method: "PUT", url: `/eureka/apps/${name}/${id}/metadata?round=${round}` });
        } else if (roll < 0.85) {
          // A renew changes the lease (its renewal time) without moving the registry's version.
          await app.inject({ method: "PUT", url: `/eureka/apps/${name}/${id}` });
        } else {
          await app.inject({ method: "DELETE", url: `/eureka/apps/${name}/${id}` });
          list.splice(list.indexOf(id), 1);
        }
      }
      // Renews do not move the version (the cached answer keeps its renewal times until the next write), so a
      // last write makes this round's answers comparable with the registry as it is now.
      await app.inject({ method: "PUT", url: `/eureka/apps/ONE/${ids.ONE?.[0] ?? "none"}/metadata?last=${round}` });
      await register("ONE");
      const expected = withoutRenewalTimes(
        JSON.stringify(toEurekaApplications(registry.applications(), registry.version)),
      );
      // Gzip first on some rounds and plain first on others: neither encoding may depend on the other.
      const order = round % 2 === 0 ? ["gzip", "identity"] : ["identity", "gzip"];
      for (const url of CACHED_READS) {
        const answers = new Map<string, { etag: unknown; bytes: Buffer }>();
        for (const encoding of order) {
          const res = await app.inject({ url, headers: { accept: "application/json", "accept-encoding": encoding } });
          expect(res.statusCode, url).toBe(200);
          expect(res.headers["content-encoding"], url).toBe(encoding === "gzip" ? "gzip" : undefined);
          answers.set(encoding, { etag: res.headers.etag, bytes: res.rawPayload });
        }
        const plain = answers.get("identity");
        const zipped = answers.get("gzip");
        expect(gunzipSync(zipped?.bytes as Buffer).equals(plain?.bytes as Buffer), url).toBe(true);
        expect(zipped?.etag, url).toBe(plain?.etag);
      }
      const full = (
        await app.inject({ url: "/eureka/apps", headers: { accept: "application/json", "accept-encoding": "gzip" } })
      ).rawPayload;
      // A boolean, not a diff: a mismatch in a 300 KB document would print all of it.
      // Renewal times are shown as of each instance's last change (renewals leave the encoded chunks as they are).
      expect(withoutRenewalTimes(gunzipSync(full).toString()) === expected, `full fetch of round ${round}`).toBe(true);
    }
    await app.close();
  });

  it("serves the first full fetch after a write from the registry as it is now (read your writes)", async () => {
    const registry = new Registry();
    const app = buildApp({ registry });
    for (let i = 0; i < 100; i += 1) {
      await app.inject({ method: "POST", url: "/eureka/apps/BIG", payload: body(`b${i}`, "BIG") });
    }
    await app.inject({ url: "/eureka/apps", headers: { accept: "application/json", "accept-encoding": "gzip" } });
    await app.inject({ method: "PUT", url: "/eureka/apps/BIG/b50/status?value=OUT_OF_SERVICE" });
    const res = await app.inject({
      url: "/eureka/apps",
      headers: { accept: "application/json", "accept-encoding": "gzip" },
    });
    const instances = JSON.parse(gunzipSync(res.rawPayload).toString()).applications.application[0].instance;
    expect(instances.find((i: { instanceId: string }) => i.instanceId === "b50").status).toBe("OUT_OF_SERVICE");
    expect(instances).toHaveLength(100);
    await app.close();
  });
});
