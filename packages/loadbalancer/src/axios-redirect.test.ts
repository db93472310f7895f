// Conformance source: axios lib/adapters/http.js (dispatchBeforeRedirect drops authorization and cookie when the
// redirect leaves the origin); follow-redirects index.js (each hop goes through the same agent). A redirect is the
// instance's answer: the target's failure must not count against the instance (stats, outlier detection).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { deadPort, instance } from "./test-support.js";

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
};

let other: Server;
let redirecting: Server;
let port: number;
beforeAll(async () => {
  const dead = await deadPort();
  other = createServer((request, response) => response.end(JSON.stringify(request.headers)));
  const otherPort = await listen(other);
  redirecting = createServer((request, response) => {
    if (request.url === "/boom") {
      request.socket.resetAndDestroy();
      return;
    }
    const away = request.url === "/dead" ? `http://127.0.0.1:${dead}/x` : `http://127.0.0.1:${otherPort}/y`;
    response.writeHead(302, { location: request.url === "/fails-here" ? "/boom" : away });
    response.end();
  });
  port = await listen(redirecting);
});
afterAll(async () => {
  for (const server of [other, redirecting]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("createLbAxios (http adapter) following redirects", () => {
  const make = () => {
    const balancer = createBalancer({ instancer: new FixedInstancer([instance("a", "UP", port)]) });
    const http = createLbAxios({
      balancer: () => balancer,
      retry: false,
      defaults: { headers: { authorization: "Bearer secret" } },
    });
    return { balancer, http };
  };

  it("does not forward credentials to another host", async () => {
    const { balancer, http } = make();
    const answer = await http.get("lb://svc/away", { headers: { cookie: "session=1" } });
    expect(answer.data.authorization).toBeUndefined();
    expect(answer.data.cookie).toBeUndefined();
    balancer.close();
  });

  it("does not blame the instance that redirected for the target's refused connection", async () => {
    const { balancer, http } = make();
    await expect(http.get("lb://svc/dead")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(balancer.stats("a")?.consecutiveFailures).toBe(0);
    balancer.close();
  });

  it("still blames the instance when its own redirect target on the same host fails", async () => {
    const { balancer, http } = make();
    await expect(http.get("lb://svc/fails-here")).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(balancer.stats("a")?.consecutiveFailures).toBe(1);
    balancer.close();
  });
});
