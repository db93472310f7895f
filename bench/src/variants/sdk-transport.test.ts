import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer, type StatefulBalancer } from "@outrigger/loadbalancer";
import { afterEach, describe, expect, it } from "vitest";
import { policyByName } from "./policy.js";
import { axiosSender } from "./sdk.js";

// The SDK arm must send as `createLbAxios` ships (packages/loadbalancer/README.md, "`createLbAxios` sends through
// undici by default"): axios's http adapter sends `Accept-Encoding` (lib/adapters/http.js), the undici transport none.
describe("the SDK arm's axios client", () => {
  let server: Server | undefined;
  let balancer: StatefulBalancer | undefined;
  afterEach(async () => {
    balancer?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function headersSentBy(transport: "axios" | "axios-http"): Promise<IncomingHttpHeaders> {
    const seen: IncomingHttpHeaders[] = [];
    server = createServer((request, response) => {
      seen.push(request.headers);
      response.end("ok");
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const instance = {
      id: "u0",
      service: "upstream",
      host: "127.0.0.1",
      port,
      secure: false,
      status: "UP" as const,
      metadata: {},
    };
    const instancer = new FixedInstancer([instance]);
    balancer = createBalancer({ instancer });
    const send = axiosSender(balancer, instancer, policyByName("matched"), transport);
    expect((await send()).status).toBe(200);
    server.closeAllConnections();
    return seen[0] as IncomingHttpHeaders;
  }

  it("is createLbAxios as shipped (the sdk variant): its default undici transport, not the http adapter", async () => {
    expect((await headersSentBy("axios"))["accept-encoding"]).toBeUndefined();
  });

  it("is on axios's http adapter for the opt-in sdk-axios-http variant", async () => {
    expect((await headersSentBy("axios-http"))["accept-encoding"]).toContain("gzip");
  });
});
