import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import axios from "axios";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthChecker } from "./health-checker.js";
import { httpProbe } from "./http-probe.js";
import { instanceUrl } from "./lb-url.js";
import { tcpProbe } from "./tcp-probe.js";
import { instance } from "./test-support.js";

// An IPv6 instance reaches the balancer as `::1` or, from a `[::1]:port` address, as `[::1]`. A URL needs the
// brackets, a socket API must not have them: requests and probes must reach the same server either way.
describe("IPv6 instance hosts, against a real server on ::1", () => {
  let server: Server;
  const paths: string[] = [];
  let port = 0;
  beforeAll(async () => {
    server = createServer((q, r) => {
      paths.push(q.url ?? "");
      r.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "::1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  const hosts = (): ServiceInstance[] => [
    { ...instance("bare", "UP", port), host: "::1" },
    { ...instance("bracketed", "UP", port), host: "[::1]" },
  ];

  it("requests to instanceUrl and the HTTP and TCP probes reach the same server", async () => {
    for (const i of hosts()) {
      paths.length = 0;
      const url = instanceUrl(i, "/hello");
      expect(url).toBe(`http://[::1]:${port}/hello`);
      expect((await axios.get(url)).data).toBe("ok");
      const signal = new AbortController().signal;
      expect(await httpProbe("/health", { min: 200, max: 299 })(i, signal)).toMatchObject({ ok: true, status: 200 });
      expect(await tcpProbe()(i, signal)).toMatchObject({ ok: true });
      expect(paths).toEqual(["/hello", "/health"]);
    }
  });

  it("a health checker keeps both forms healthy", async () => {
    const checker = createHealthChecker(new FixedInstancer(hosts()), { intervalMs: 3_600_000, unhealthyThreshold: 1 });
    const failed: string[] = [];
    checker.onCheck((r) => {
      if (!r.ok) failed.push(`${r.instance.id}: ${r.error?.message ?? r.status}`);
    });
    await checker.checkNow();
    checker.close();
    expect(failed).toEqual([]);
    expect(checker.isHealthy("bare") && checker.isHealthy("bracketed")).toBe(true);
  });
});
