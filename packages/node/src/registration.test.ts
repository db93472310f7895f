import { createServer } from "node:http";
import { freePort } from "@outrigger/process-fixtures";
import { startServer } from "@outrigger/registry-server";
import { describe, expect, it } from "vitest";
import type { OutriggerNodeError } from "./errors.js";
import { createOutrigger } from "./outrigger.js";

/** A loopback port that was free a moment ago: nothing listens there now. */

/** An og whose registry URL points at a free port, where no registry runs (yet). */
async function serviceBeforeItsRegistry(service: string, failFast: boolean) {
  const port = await freePort();
  const og = await createOutrigger({ service, port: 0, config: section(port, failFast), logger: { warn: () => {} } });
  return { og, port };
}

const section = (port: number, failFast: boolean) => ({
  outrigger: {
    registry: { url: `http://127.0.0.1:${port}/eureka`, renewIntervalMs: 500, requestTimeoutMs: 1_000, failFast },
    instance: { host: "127.0.0.1" },
    shutdown: { signals: [] as [], graceMs: 1_000 },
  },
});

describe("a registry unreachable at start", () => {
  // Spring Cloud's Eureka client starts and keeps retrying registration in its heartbeat; it fails at start only
  // when `eureka.client.should-enforce-registration-at-init` is true (default false): Netflix/eureka
  // eureka-client/src/main/java/com/netflix/discovery/DiscoveryClient.java, "Registration error at startup".
  it("by default: listen succeeds, OUTRIGGER_REGISTRY_UNREACHABLE is reported once, registration follows the registry up", async () => {
    const { og, port } = await serviceBeforeItsRegistry("late", false);
    const reported: OutriggerNodeError[] = [];
    og.onError((error) => reported.push(error));
    await og.listen(createServer(og.inbound.nodeHandler((_q, r) => r.end("ok"))), "127.0.0.1");
    await expect.poll(() => reported.length).toBe(1);
    expect(reported[0]?.code).toBe("OUTRIGGER_REGISTRY_UNREACHABLE");
    expect(reported[0]?.message).toMatch(
      /keeps retrying in the background .* Start the registry or fix outrigger\.registry\.url/,
    );
    const registry = await startServer({ port });
    await expect
      .poll(
        async () =>
          (await fetch(`${registry.url}/eureka/apps/LATE`, { headers: { accept: "application/json" } })).status,
        {
          timeout: 5_000,
        },
      )
      .toBe(200);
    expect(reported).toHaveLength(1); // once, not on every retry
    await og.close();
    await registry.close();
  });

  it("with registry.failFast: listen rejects with OUTRIGGER_REGISTRY_UNREACHABLE", async () => {
    const { og } = await serviceBeforeItsRegistry("strict", true);
    const failure = await og.listen(createServer(), "127.0.0.1").catch((error: unknown) => error);
    expect((failure as { code?: string }).code).toBe("OUTRIGGER_REGISTRY_UNREACHABLE");
    await og.close();
  });
});
