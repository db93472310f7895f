// Both transports of createLbAxios refuse the same lb:// URLs (lb-url.ts parseLbUrl): the undici one used to parse
// with WHATWG URL first, which drops userinfo silently and throws a raw ERR_INVALID_URL quoting the URL. And both
// build the URL as axios does (axios-url.ts): an lb:// baseURL used to fail on both ("Unsupported protocol lb:"),
// allowAbsoluteUrls: false was bypassed by an absolute lb:// url on the http one, and the undici one merged axios'
// global defaults in again (axios.getUri).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { FixedInstancer } from "@outrigger/discovery";
import axios, { type AxiosRequestConfig, type CreateAxiosDefaults } from "axios";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { isLbError } from "./errors.js";
import { namedServer } from "./test-support.js";

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
        // The same refusals when the URL comes from an lb:// baseURL.
        for (const baseURL of ["lb://u:PW@orders/", "lb://u:PW@orders:99999/", "lb://orders:/"]) {
          const failure = await http.get("x", { baseURL }).catch((error: unknown) => error);
          expect([transport, baseURL, (failure as { code?: string }).code]).toEqual([
            transport,
            baseURL,
            "LB_INVALID_URL",
          ]);
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

interface UrlCase {
  readonly why: string;
  readonly defaults?: (plain: number) => CreateAxiosDefaults;
  readonly url: string;
  readonly config?: AxiosRequestConfig;
  /** Which server answered and the path it saw. */
  readonly expected: { from: string; path: string };
}

// axios' rules (lib/core/buildFullPath.js, lib/helpers/buildURL.js): what its http adapter would request.
const URL_CASES: readonly UrlCase[] = [
  {
    why: "a relative url against an lb:// baseURL is balanced",
    defaults: () => ({ baseURL: "lb://orders/api/" }),
    url: "users/1",
    expected: { from: "orders", path: "/api/users/1" },
  },
  {
    why: "baseURL joined with one slash, then params",
    defaults: () => ({ baseURL: "lb://orders/api" }),
    url: "/users/1",
    config: { params: { q: "a b" } },
    expected: { from: "orders", path: "/api/users/1?q=a+b" },
  },
  {
    why: "allowAbsoluteUrls: false — an absolute lb:// url cannot leave the base (CVE-2025-27152)",
    defaults: () => ({ baseURL: "lb://orders/api", allowAbsoluteUrls: false }),
    url: "lb://admin/x",
    expected: { from: "orders", path: "/api/lb://admin/x" },
  },
  {
    why: "allowAbsoluteUrls: false — an lb:// url cannot leave a plain base either",
    defaults: (plain) => ({ baseURL: `http://127.0.0.1:${plain}/base`, allowAbsoluteUrls: false }),
    url: "lb://admin/x",
    expected: { from: "plain", path: "/base/lb://admin/x" },
  },
  {
    why: "an absolute lb:// url replaces a plain baseURL by default",
    defaults: (plain) => ({ baseURL: `http://127.0.0.1:${plain}/base` }),
    url: "lb://orders/x",
    expected: { from: "orders", path: "/x" },
  },
  {
    why: "params drop the fragment",
    url: "lb://orders/x#frag",
    config: { params: { a: 1 } },
    expected: { from: "orders", path: "/x?a=1" },
  },
  {
    why: "params after a query, through a paramsSerializer",
    url: "lb://orders/x?a=1",
    config: { params: { b: 2 }, paramsSerializer: { serialize: () => "b=custom" } },
    expected: { from: "orders", path: "/x?a=1&b=custom" },
  },
];

describe("createLbAxios: axios' baseURL, params and allowAbsoluteUrls rules on both transports", () => {
  it("sends each case where axios' http adapter would, and never to a service the base does not name", async () => {
    const orders = await namedServer("orders");
    const admin = await namedServer("admin");
    const plain = await namedServer("plain");
    const balancerOf = (name: string, port: number) =>
      createBalancer({
        instancer: new FixedInstancer([
          { id: name, service: name, host: "127.0.0.1", port, secure: false, status: "UP", metadata: {} },
        ]),
      });
    const balancers: Record<string, ReturnType<typeof createBalancer>> = {
      orders: balancerOf("orders", orders.port),
      admin: balancerOf("admin", admin.port),
    };
    try {
      // The whole table first, then one comparison: a failure shows every case that differs.
      const got: unknown[] = [];
      const expected: unknown[] = [];
      for (const transport of ["undici", "http"] as const) {
        for (const c of URL_CASES) {
          const http = createLbAxios({
            balancer: (name) => balancers[name],
            transport,
            defaults: c.defaults?.(plain.port),
          });
          const answer = await http
            .get(c.url, c.config)
            .then((response) => response.data as unknown)
            .catch((error: { code?: string; message?: string }) => `${error.code}: ${error.message}`);
          got.push({ transport, why: c.why, answer });
          expected.push({ transport, why: c.why, answer: c.expected });
          await http.close();
        }
      }
      expect(got).toEqual(expected);
    } finally {
      for (const balancer of Object.values(balancers)) balancer.close();
      for (const s of [orders, admin, plain]) s.server.close();
    }
  });

  it("a params set on axios' global defaults after the client was made does not reach its requests", async () => {
    const orders = await namedServer("orders");
    const balancer = createBalancer({
      instancer: new FixedInstancer([
        { id: "o", service: "orders", host: "127.0.0.1", port: orders.port, secure: false, status: "UP", metadata: {} },
      ]),
    });
    const clients = (["undici", "http"] as const).map((transport) =>
      createLbAxios({ balancer: () => balancer, transport }),
    );
    axios.defaults.params = { leak: "1" };
    try {
      for (const http of clients) {
        expect((await http.get("lb://orders/x", { params: { a: 1 } })).data).toEqual({
          from: "orders",
          path: "/x?a=1",
        });
        expect((await http.get("lb://orders/y")).data).toEqual({ from: "orders", path: "/y" });
      }
    } finally {
      delete axios.defaults.params;
      for (const http of clients) await http.close();
      balancer.close();
      orders.server.close();
    }
  });
});
