import { describe, expect, it } from "vitest";
import { createOutrigger } from "./outrigger.js";

/** What createOutrigger refused `outrigger` with: its code and the path it names. */
interface Outcome {
  code?: string;
  path?: string;
  message?: string;
}

async function refusal(outrigger: unknown): Promise<Outcome> {
  const result: Outcome = await createOutrigger({ service: "orders", port: 0, config: { outrigger } as never }).then(
    async (og) => {
      await og.close();
      return { code: "ACCEPTED" };
    },
    (error: { code?: string; path?: string; message?: string }) => error,
  );
  return { code: result.code, path: result.path, message: result.message };
}

describe("createOutrigger names the config key at fault", () => {
  it.each([
    "not a url",
    "ftp://127.0.0.1/eureka",
    "http://127.0.0.1:99999/eureka",
    "http://admin:PW@127.0.0.1:99999/eureka",
  ])("registry.url %j: OUTRIGGER_CONFIG_INVALID at outrigger.registry.url, at start", async (url) => {
    const failure = await refusal({ registry: { url }, shutdown: { signals: [] } });
    expect([failure.code, failure.path]).toEqual(["OUTRIGGER_CONFIG_INVALID", "outrigger.registry.url"]);
    expect(failure.message).toContain("http(s) URL");
    expect(failure.message).not.toContain("PW");
  });

  it("a per-service value the resilience parts refuse: the path to the key, not the service alone", async () => {
    const retry = { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 10 };
    const failure = await refusal({ registry: { enabled: false }, clients: { services: { inventory: { retry } } } });
    expect([failure.code, failure.path]).toEqual([
      "OUTRIGGER_CONFIG_INVALID",
      "outrigger.clients.services.inventory.retry.maxDelayMs",
    ]);
  });
});
