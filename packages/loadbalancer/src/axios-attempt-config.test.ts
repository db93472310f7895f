// Conformance source: axios lib/core/mergeConfig.js (the request config is a null-prototype object with an own,
// non-enumerable `hasOwnProperty`, so a polluted Object.prototype cannot supply `proxy`, `auth` or `baseURL`) and
// lib/adapters/http.js (the adapter hands that config on as `response.config` and `error.config`).
import type { Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import axios, { type AxiosError } from "axios";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { Balancer } from "./pick.js";
import { instance, namedServer } from "./test-support.js";

let server: Server;
let port: number;
beforeAll(async () => {
  ({ server, port } = await namedServer("u1", (request, response) => {
    response.statusCode = request.url === "/missing" ? 404 : 200;
    response.end("ok");
  }));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const client = (wrap: (b: Balancer) => Balancer = (b) => b) => {
  const balancer = createBalancer({ instancer: new FixedInstancer([{ ...instance("u1"), port }]) });
  return { http: createLbAxios({ balancer: () => wrap(balancer), transport: "http" }), balancer };
};

describe("createLbAxios on the http adapter: each attempt's config", () => {
  it("has the shape axios gives its own configs: a null prototype and an own hasOwnProperty, as plain axios's", async () => {
    const plain = await axios.get(`http://127.0.0.1:${port}/x`);
    const { http, balancer } = client();
    const response = await http.get("lb://svc/x", { headers: { "x-trace": "1" } });
    balancer.close();
    for (const config of [plain.config, response.config]) {
      expect(Object.getPrototypeOf(config)).toBeNull();
      expect(Object.hasOwn(config, "url")).toBe(true);
      expect(Object.keys(config)).not.toContain("hasOwnProperty");
    }
    expect(response.config.url).toBe(`http://127.0.0.1:${port}/x`);
    expect(response.config.baseURL).toBeUndefined();
    expect(response.config.headers.get("x-trace")).toBe("1");
  });

  it("is the one the error carries too, with the caller's settings kept", async () => {
    const { http, balancer } = client();
    const error = (await http.get("lb://svc/missing", { timeout: 1_234 }).catch((e: unknown) => e)) as AxiosError;
    balancer.close();
    expect(error.response?.status).toBe(404);
    expect(Object.getPrototypeOf(error.config)).toBeNull();
    expect(error.config?.timeout).toBe(1_234);
    expect(error.config?.url).toBe(`http://127.0.0.1:${port}/missing`);
  });

  it("picks a free instance at once: the balancer's acquire (a promise per request) is left for when all are busy", async () => {
    const acquire = vi.fn();
    const { http, balancer } = client((b) => ({
      pick: (options) => b.pick(options),
      acquire: async (options) => {
        acquire();
        return b.pick(options);
      },
    }));
    expect((await http.get("lb://svc/x")).status).toBe(200);
    balancer.close();
    expect(acquire).not.toHaveBeenCalled();
  });
});
