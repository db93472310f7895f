import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { type Balancer, createBalancer } from "@outrigger/loadbalancer";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { afterEach, describe, expect, it } from "vitest";
import { KeptResponseJudge } from "./kept-response.js";

/** A loopback upstream that answers every request with `status`. */
async function upstream(status: number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.statusCode = status;
    res.end("x");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return server;
}

const instanceOf = (id: string, server: Server): ServiceInstance => ({
  id,
  service: "upstream",
  host: "127.0.0.1",
  port: (server.address() as AddressInfo).port,
  secure: false,
  status: "UP",
  metadata: {},
});

describe("KeptResponseJudge: the outlier detector judges only the response a call keeps (HAProxy's rule)", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  /** u0 answers `first`, u1 answers `second`; 2 attempts, ejection after 2 failures in a row; 6 calls. */
  async function run(first: number, second: number, judged: boolean, transport: "axios" | "undici" = "axios") {
    servers.push(await upstream(first), await upstream(second));
    const instancer = new FixedInstancer([
      instanceOf("u0", servers[0] as Server),
      instanceOf("u1", servers[1] as Server),
    ]);
    const inner = createBalancer({
      instancer,
      outlierDetection: {
        consecutive5xx: 2,
        successRateMinimumHosts: Number.MAX_SAFE_INTEGER,
        maxEjectionPercent: 100,
      },
    });
    const judge = new KeptResponseJudge();
    const balancer: Balancer = { pick: (options) => (judged ? judge.wrap(inner.pick(options)) : inner.pick(options)) };
    const retry = { maxAttempts: 2, retryOnStatus: [503] };
    const http = createLbAxios({ balancer: () => balancer, retry, defaults: { validateStatus: () => true } });
    const dispatcher = createLbDispatcher({ balancer: () => balancer, instancer: () => instancer, retry });
    const send =
      transport === "axios"
        ? async () => (await http.get("lb://upstream/work")).status
        : async () => {
            const response = await dispatcher.request({ origin: "lb://upstream", path: "/work", method: "GET" });
            await response.body.dump();
            return response.statusCode;
          };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(judged ? await judge.call(send) : await send());
    await dispatcher.close();
    inner.close();
    return { statuses, u0: inner.stats("u0"), u1: inner.stats("u1") };
  }

  it("a 503 that was retried elsewhere is not counted: the shedding instance stays in (http_ana.c: L7 retry before health_adjust)", async () => {
    const { statuses, u0 } = await run(503, 200, true);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(u0?.ejections).toBe(0);
  });

  it("the same through the undici dispatcher (the call's context follows its awaits)", async () => {
    const { statuses, u0 } = await run(503, 200, true, "undici");
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(u0?.ejections).toBe(0);
  });

  it("without it, the SDK counts every attempt (Envoy's router.cc: putHttpResponseCode before the retry decision)", async () => {
    const { u0 } = await run(503, 200, false);
    expect(u0?.ejections).toBe(1);
  });

  it("the response a call keeps is judged: a 503 on the last attempt counts", async () => {
    const { statuses, u0, u1 } = await run(503, 503, true);
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect((u0?.ejections ?? 0) + (u1?.ejections ?? 0)).toBeGreaterThan(0);
  });
});
