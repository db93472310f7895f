// get(path) and value must be one configuration, frozen. Field reports: node-config/node-config#334 and #589 —
// environment variables are strings, so an env-mapped number arrives as "9090" unless something coerces it; when
// the schema coerces, `value` had the number while `get()` still returned the string.

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { liveOn, mountPerTest, next } from "./live-config.fixture.js";
import type { LiveConfig } from "./live-config.js";
import { loadConfig } from "./load-config.js";

const schema = z
  .object({
    server: z.object({
      port: z.coerce.number().int(),
      debug: z.preprocess((v) => v === "true" || v === true, z.boolean()),
    }),
    retry: z.object({ maxAttempts: z.number().int(), backoff: z.object({ baseMs: z.number() }) }),
  })
  .strip();
type Shape = z.infer<typeof schema>;

const each = mountPerTest<LiveConfig<Shape>>({
  "default.json": {
    server: { port: 8080, debug: false },
    retry: { maxAttempts: 3, backoff: { baseMs: 10 } },
    untyped: { note: "not in the schema" },
  },
  "custom-environment-variables.json": { server: { port: "APP_PORT", debug: "APP_DEBUG" } },
});

/** Every write below runs in strict mode (an ES module), where writing to a frozen object throws TypeError. */
function expectFrozen(live: LiveConfig<Shape>) {
  const value = live.value as unknown as { server: { port: number }; retry: { backoff: { baseMs: number } } };
  expect(() => {
    value.server.port = 1;
  }).toThrow(TypeError);
  expect(() => {
    value.retry.backoff.baseMs = 1;
  }).toThrow(TypeError);
  expect(() => {
    (live.config.data as Record<string, unknown>).server = {};
  }).toThrow(TypeError);
  expect(() => {
    live.get<{ note: string }>("untyped").note = "changed";
  }).toThrow(TypeError);
}

describe("LiveConfig values: one frozen configuration behind get() and value", () => {
  it("an env-mapped value the schema coerces reads the same through get() and value", () => {
    process.env.APP_PORT = "9090";
    process.env.APP_DEBUG = "true";
    const live = liveOn(each, { schema });
    expect(live.value.server.port).toBe(9090);
    expect(live.get("server.port")).toBe(9090);
    expect(live.get("server.debug")).toBe(true);
    expect(live.config.get("server.port")).toBe(9090);
    // Keys the schema does not know are still readable by path, as node-config's get() reads them.
    expect(live.get("untyped.note")).toBe("not in the schema");
    expectFrozen(live);
  });

  it("stays so after a reload, and the change event carries the coerced values", async () => {
    process.env.APP_PORT = "9090";
    const live = liveOn(each, { schema });
    each.mounted.swap({
      "default.json": {
        server: { port: 8080, debug: false },
        retry: { maxAttempts: 7, backoff: { baseMs: 20 } },
        untyped: { note: "changed" },
      },
      "custom-environment-variables.json": { server: { port: "APP_PORT" } },
    });
    const event = await next(live.onChange);
    // The env-mapped port is 9090 before and after: no change reported for it.
    expect(event.changes.map((c) => c.path)).toEqual(["retry.backoff.baseMs", "retry.maxAttempts", "untyped.note"]);
    expect(event.value).toBe(live.value);
    expect(live.get("retry.maxAttempts")).toBe(7);
    expect(live.get("server.port")).toBe(9090);
    expect(event.config.get("server.port")).toBe(9090);
    expectFrozen(live);
  });

  it("restart-only keys compare what the files say, not the coerced value (no false restart notice)", async () => {
    process.env.APP_PORT = "9090";
    const live = liveOn(each, { schema, restartOnly: ["server.port"] });
    const restarts: unknown[] = [];
    live.onRestartRequired((r) => restarts.push(r));
    each.mounted.swap({
      "default.json": { server: { port: 8080, debug: false }, retry: { maxAttempts: 4, backoff: { baseMs: 10 } } },
      "custom-environment-variables.json": { server: { port: "APP_PORT" } },
    });
    await next(live.onChange);
    expect(restarts).toEqual([]);
    expect(live.get("server.port")).toBe(9090);
  });

  it("loadConfig's view is deeply frozen too", () => {
    process.env.APP_PORT = "9090";
    const config = loadConfig({ dir: each.mounted.dir });
    expect(config.get("server.port")).toBe("9090"); // no schema: node-config's string, as node-config gives it
    expect(() => {
      config.get<{ backoff: { baseMs: number } }>("retry").backoff.baseMs = 1;
    }).toThrow(TypeError);
  });
});
