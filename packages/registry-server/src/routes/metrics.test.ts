import { describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";

describe("/metrics", () => {
  it("exposes instances by app and status, renew figures, self-preservation, evictions and request durations", async () => {
    const app = buildApp({
      registry: new Registry(),
      peers: () => [
        {
          url: "http://peer/eureka",
          pending: 2,
          sent: 5,
          failures: 3,
          lagMs: 1500,
          lastSuccessAt: 1,
          lastError: "down",
          healthy: false,
        },
      ],
    });
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("a") });
    await app.inject({ method: "POST", url: "/eureka/apps/HELLO", payload: registration("b", { status: "DOWN" }) });
    const text = (await app.inject("/metrics")).body;
    expect(text).toContain('outrigger_registry_instances{app="HELLO",status="UP"} 1');
    expect(text).toContain('outrigger_registry_instances{app="HELLO",status="DOWN"} 1');
    expect(text).toContain("outrigger_registry_renews_expected_per_minute 4");
    expect(text).toContain("outrigger_registry_renew_threshold 3");
    expect(text).toContain("outrigger_registry_self_preservation_active 1");
    expect(text).toContain("outrigger_registry_evictions_total 0");
    expect(text).toContain('outrigger_registry_replication_failures_total{peer="http://peer/eureka"} 3');
    expect(text).toContain('outrigger_registry_replication_lag_seconds{peer="http://peer/eureka"} 1.5');
    expect(text).toMatch(
      /outrigger_registry_http_request_duration_seconds_count\{method="POST",route="\/eureka\/apps\/:app",status="204"\} 2/,
    );
  });
});
