// Both transports of createLbAxios refuse the same lb:// URLs (lb-url.ts parseLbUrl): the undici one used to parse
// with WHATWG URL first, which drops userinfo silently and throws a raw ERR_INVALID_URL quoting the URL.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { isLbError } from "./errors.js";

describe("createLbAxios: one lb:// URL table for the undici and http transports", () => {
  it("userinfo, a bad port, an empty port: LB_INVALID_URL, redacted, nothing sent", async () => {
    let hits = 0;
    const server = createServer((_request, response) => {
      hits++;
      response.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const instancer = new FixedInstancer([
      { id: "a", service: "orders", host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} },
    ]);
    const balancer = createBalancer({ instancer });
    try {
      for (const transport of ["undici", "http"] as const) {
        const http = createLbAxios({ balancer: (name) => (name === "orders" ? balancer : undefined), transport });
        for (const url of ["lb://u:PW@orders/x", "lb://u:PW@orders:99999/x", "lb://orders:/x"]) {
          const failure = await http.get(url).catch((error: unknown) => error);
          expect([transport, url, (failure as { code?: string }).code]).toEqual([transport, url, "LB_INVALID_URL"]);
          expect(inspect(failure, { depth: 6 })).not.toContain("PW");
        }
        expect((await http.get("lb://orders/x")).data).toBe("ok");
        // The balancer's own errors reach the caller as themselves on both (not wrapped in an AxiosError).
        const unknown = await http.get("lb://nosuch/x").catch((error: unknown) => error);
        expect([transport, isLbError(unknown), (unknown as { code?: string }).code]).toEqual([
          transport,
          true,
          "LB_UNKNOWN_SERVICE",
        ]);
      }
      expect(hits).toBe(2);
    } finally {
      balancer.close();
      server.close();
    }
  });
});
