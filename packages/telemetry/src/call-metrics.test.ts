// Conformance source: open-telemetry/semantic-conventions docs/http/http-metrics.md — `http.client.request.duration`
// is a histogram in seconds (unit `s`) with explicit bucket boundaries [0.005 … 10], attributes
// http.request.method, server.address, server.port, http.response.status_code, error.type (the status code as a
// string for 4xx/5xx). The Prometheus names follow the OpenTelemetry Prometheus exporter (`.` → `_`, unit suffix
// `_seconds`, counters `_total`).
import type { Histogram } from "@opentelemetry/sdk-metrics";
import { createLbMetrics } from "@outrigger/loadbalancer/metrics";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { instrumentOutrigger } from "./instrument.js";
import { retriedAndRefused as scenario } from "./metric-calls.fixture.js";
import { memoryMetrics } from "./otel.fixture.js";
import { registerPrometheus } from "./prometheus.js";
import { DURATION_BUCKETS } from "./semconv.js";

describe("OpenTelemetry instruments", () => {
  const reader = memoryMetrics();
  const instrumentation = instrumentOutrigger({ meterProvider: reader.provider, traces: false });
  afterAll(async () => {
    instrumentation.close();
    await reader.close();
  });

  it("http.client.request.duration per attempt with the convention's attributes and buckets, and the counters", async () => {
    const { failedPort, okPort } = await scenario();
    const points = await reader.points("http.client.request.duration");
    const byPort = (port: number | undefined) => points.filter((p) => p.attributes["server.port"] === port);
    expect(byPort(failedPort).map((p) => p.attributes)).toContainEqual({
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": failedPort,
      "outrigger.service": "svc",
      "http.response.status_code": 503,
      "error.type": "503",
    });
    expect(
      byPort(failedPort)
        .map((p) => p.attributes["error.type"])
        .sort(),
    ).toEqual(["503", "ECONNREFUSED"]);
    const ok = byPort(okPort)[0];
    expect(ok?.attributes).toEqual({
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": okPort,
      "outrigger.service": "svc",
      "http.response.status_code": 200,
    });
    const histogram = ok?.value as Histogram;
    expect(histogram.buckets.boundaries).toEqual(DURATION_BUCKETS);
    expect(histogram.count).toBe(1);
    expect(histogram.sum).toBeGreaterThan(0);
    expect(histogram.sum).toBeLessThan(5); // seconds, not milliseconds
    const count = async (name: string) => (await reader.points(name)).map((p) => [p.attributes, p.value] as const);
    expect(await count("outrigger.lb.calls")).toEqual([
      [{ "outrigger.service": "svc", outcome: "success" }, 1],
      [{ "outrigger.service": "svc", outcome: "failure" }, 2],
    ]);
    expect(await count("outrigger.lb.retries")).toEqual([
      [{ "outrigger.service": "svc", "outrigger.retry.reason": "status" }, 1],
    ]);
    expect(await count("outrigger.lb.ejections")).toEqual([
      [{ "outrigger.service": "svc", "outrigger.ejection.reason": "consecutive-5xx" }, 1],
    ]);
    expect(await count("outrigger.resilience.breaker.transitions")).toEqual([
      [{ "outrigger.service": "svc", "outrigger.breaker.state": "open" }, 1],
    ]);
    expect(await count("outrigger.resilience.rejections")).toEqual([
      [{ "outrigger.service": "svc", "outrigger.policy": "circuit-breaker" }, 1],
    ]);
  });
});

describe("registerPrometheus", () => {
  it("exports the same figures under the Prometheus exporter's names", async () => {
    const registry = new Registry();
    const prometheus = registerPrometheus(registry);
    const { okPort } = await scenario();
    prometheus.close();
    const text = await registry.metrics();
    const labels = `http_request_method="GET",server_address="127.0.0.1",server_port="${okPort}",outrigger_service="svc",http_response_status_code="200"`;
    expect(text).toContain("# TYPE http_client_request_duration_seconds histogram");
    for (const le of DURATION_BUCKETS)
      expect(text).toContain(`http_client_request_duration_seconds_bucket{${labels},le="${le}"}`);
    expect(text).toContain(`http_client_request_duration_seconds_bucket{${labels},le="+Inf"} 1`);
    expect(text).toContain(`http_client_request_duration_seconds_count{${labels}} 1`);
    expect(text).toContain('outrigger_lb_calls_total{outrigger_service="svc",outcome="success"} 1');
    expect(text).toContain('outrigger_lb_retries_total{outrigger_service="svc",outrigger_retry_reason="status"} 1');
    expect(text).toContain(
      'outrigger_lb_ejections_total{outrigger_service="svc",outrigger_ejection_reason="consecutive-5xx"} 1',
    );
    expect(text).toContain(
      'outrigger_resilience_rejections_total{outrigger_service="svc",outrigger_policy="circuit-breaker"} 1',
    );
  });

  it("refuses a registry that already has one of its names, saying which (TELEMETRY_METRIC_EXISTS)", () => {
    const registry = new Registry();
    const lb = createLbMetrics({ registry });
    expect(() => registerPrometheus(registry)).toThrow(
      expect.objectContaining({
        code: "TELEMETRY_METRIC_EXISTS",
        message: expect.stringContaining("outrigger_lb_retries_total"),
      }),
    );
    // Nothing was registered half-way: the registry holds only the load balancer's metrics.
    expect(registry.getSingleMetric("http_client_request_duration_seconds")).toBeUndefined();
    lb.close();
  });
});
