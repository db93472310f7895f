// A policy's refusal and the balancer's own errors reach the caller as themselves on both of createLbAxios'
// transports: on the undici one they used to come back as AxiosError.from copies without Outrigger's error brand, so
// isResilienceError was false for a rate-limit refusal (examples/live-config failed after undici became the default).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { createRateLimiter, createRateLimitPolicy, isResilienceError } from "@outrigger/resilience";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { isLbError } from "./errors.js";

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((_req, res) => res.end("ok")).listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe.each(["undici", "http"] as const)("createLbAxios on the %s transport", (transport) => {
  it("throws a policy's refusal as the ResilienceError it is", async () => {
    const balancer = createBalancer({
      instancer: new FixedInstancer([
        { id: "a", service: "svc", host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} },
      ]),
    });
    const policy = createRateLimitPolicy({
      limiter: createRateLimiter({ points: 1, durationMs: 60_000 }),
      key: `transport-errors-${transport}`,
    });
    const http = createLbAxios({ balancer: () => balancer, policy, transport });
    expect((await http.get("lb://svc/")).status).toBe(200);
    const refusal = await http.get("lb://svc/").catch((error: unknown) => error);
    expect(isResilienceError(refusal) && refusal.code).toBe("RESILIENCE_RATE_LIMITED");
    balancer.close();
  });

  it("throws the balancer's own error as the LbError it is", async () => {
    const http = createLbAxios({ balancer: () => undefined, transport });
    const error = await http.get("lb://nowhere/").catch((e: unknown) => e);
    expect(isLbError(error)).toBe(true);
  });
});
