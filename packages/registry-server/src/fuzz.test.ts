import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";
import { Registry } from "./registry.js";
import { registration } from "./test-fixtures.js";

/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const junk = [
  null,
  true,
  0,
  -1,
  1e308,
  "",
  "x".repeat(300),
  [],
  {},
  { $: "NaN" },
  "__proto__",
  { __proto__: { x: 1 } },
];

function mutate(value: unknown, random: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  if (depth > 3 || random() < 0.2) return pick(junk);
  if (Array.isArray(value)) return value.map((v) => mutate(v, random, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = random();
      if (r < 0.15) continue; // drop a field
      out[r < 0.2 ? pick(["__proto__", "constructor", "prototype", k.toUpperCase()]) : k] = mutate(
        v,
        random,
        depth + 1,
      );
    }
    return out;
  }
  return random() < 0.5 ? value : pick(junk);
}

describe("fuzz", () => {
  it("survives thousands of malformed and mutated requests without losing a registration", async () => {
    const random = seeded(42);
    const registry = new Registry();
    const app = buildApp({ registry, bodyLimit: 4096 });
    for (const id of ["keep-1", "keep-2"]) {
      await app.inject({ method: "POST", url: "/eureka/apps/KEEP", payload: registration(id) });
    }
    const methods = ["GET", "POST", "PUT", "DELETE"] as const;
    const paths = [
      "/eureka/apps/FUZZ",
      "/eureka/apps/FUZZ/x",
      "/eureka/apps/FUZZ/x/status?value=%00",
      "/eureka/apps/FUZZ/x/metadata?__proto__[a]=1&constructor[prototype][b]=2",
      "/eureka/apps/FUZZ/x?lastDirtyTimestamp=1e999&status=%ff",
      "/eureka/apps/%2e%2e/%2f",
      "/eureka/peerreplication/batch",
      "/outrigger/watch/apps/FUZZ?index=abc&wait=-1",
      "/eureka/vips/%E0%A4%A",
      "/eureka/apps/delta",
    ];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 3000; i += 1) {
      const kind = random();
      let payload: string;
      if (kind < 0.3) payload = JSON.stringify(mutate(registration(`f${i}`), random));
      else if (kind < 0.5) payload = JSON.stringify(registration(`f${i}`)).slice(0, Math.floor(random() * 200));
      else if (kind < 0.6) payload = "x".repeat(5000);
      else if (kind < 0.7)
        payload = JSON.stringify({
          replicationList: [mutate({ action: "Register", appName: "KEEP", id: "keep-1" }, random)],
        });
      else payload = String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(random() * 256)));
      const res = await app.inject({
        method: methods[Math.floor(random() * methods.length)] ?? "GET",
        url: paths[Math.floor(random() * paths.length)] ?? "/",
        headers: { "content-type": random() < 0.8 ? "application/json" : "text/plain" },
        payload,
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      expect(res.statusCode, `request ${i}`).toBeLessThan(500);
    }
    expect(statuses.get(400)).toBeGreaterThan(100);
    expect(statuses.get(413)).toBeGreaterThan(100);
    expect(
      registry
        .application("KEEP")
        .map((l) => l.info.instanceId)
        .sort(),
    ).toEqual(["keep-1", "keep-2"]);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
    expect(({} as Record<string, unknown>).b).toBeUndefined();
    expect((await app.inject({ url: "/eureka/apps", headers: { accept: "application/json" } })).statusCode).toBe(200);
  });
});
