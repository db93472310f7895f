import { describe, expect, it } from "vitest";
import { startClient } from "./outrigger.fixture.js";

const SECRET = "s3cret-pw";
const codeAndMessage = (error: unknown) => ({
  code: (error as { code?: string }).code,
  message: (error as Error).message,
});

// Node's fetch (undici lib/web/fetch/request.js) refuses a URL with credentials with a TypeError that repeats the
// URL, password included; the lb dispatcher would balance http://user:pw@inventory as "inventory".
describe("URLs with userinfo on og's entry points", () => {
  it("og.fetch and og.dispatcher refuse them with OUTRIGGER_INVALID_URL, userinfo redacted; lb:// with LB_INVALID_URL", async () => {
    const og = await startClient("http://127.0.0.1:9/eureka", { waitForInstancesMs: 100 });
    try {
      const failures = [
        await og.fetch(`http://user:${SECRET}@inventory/items`).catch(codeAndMessage),
        await og.fetch(new URL(`https://user:${SECRET}@inventory/items`)).catch(codeAndMessage),
        await og.fetch(`http://user:${SECRET}@inventory:99999/items`).catch(codeAndMessage),
        await og.fetch(`lb://user:${SECRET}@inventory/items`).catch(codeAndMessage),
        await og.dispatcher
          .request({ origin: `http://user:${SECRET}@inventory`, path: "/", method: "GET" })
          .catch(codeAndMessage),
        await og.dispatcher
          .request({ origin: `lb://user:${SECRET}@inventory`, path: "/", method: "GET" })
          .catch(codeAndMessage),
        await og.http.get(`lb://user:${SECRET}@inventory/items`).catch(codeAndMessage),
      ];
      expect(failures.map((f) => (f as { code?: string }).code)).toEqual([
        "OUTRIGGER_INVALID_URL",
        "OUTRIGGER_INVALID_URL",
        "OUTRIGGER_INVALID_URL",
        "LB_INVALID_URL",
        "OUTRIGGER_INVALID_URL",
        "LB_INVALID_URL",
        "LB_INVALID_URL",
      ]);
      for (const failure of failures) expect(JSON.stringify(failure)).not.toContain(SECRET);
      expect((failures[0] as { message: string }).message).toBe(
        'og.fetch got "http://REDACTED:REDACTED@inventory/items", which carries credentials in the URL: send them in a header (e.g. Authorization) instead.',
      );
    } finally {
      await og.close();
    }
  });

  it("og.dispatcher's refusal reaches a handler of undici 7's shape (Node 26's fetch), not only undici 6's onError", async () => {
    const og = await startClient("http://127.0.0.1:9/eureka", { waitForInstancesMs: 100 });
    try {
      const heard = await new Promise<unknown>((resolve) => {
        const handler = {
          onRequestStart() {},
          onResponseStart() {},
          onResponseData() {},
          onResponseEnd: () => resolve("an answer"),
          onResponseError: (_controller: unknown, error: Error) => resolve(error),
        };
        og.dispatcher.dispatch({ origin: `http://user:${SECRET}@inventory`, path: "/", method: "GET" }, handler);
      });
      expect((heard as { code?: string }).code).toBe("OUTRIGGER_INVALID_URL");
      expect(JSON.stringify(codeAndMessage(heard))).not.toContain(SECRET);
    } finally {
      await og.close();
    }
  });
});
