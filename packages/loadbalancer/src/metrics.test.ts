import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { EjectionMessage, HealthMessage } from "./channels.js";
import { createLbMetrics } from "./metrics.js";
import { RoundRobinRule } from "./round-robin.js";
import { answerName, deadPort, instance, namedServer } from "./test-support.js";

describe("createLbMetrics", () => {
  const servers: Server[] = [];
  const port: Record<string, number> = {};
  beforeAll(async () => {
    for (const [name, status] of [
      ["ok", 200],
      ["busy", 503],
    ] as const) {
      const s = await namedServer(name, (q, r) => answerName(name, q, r, status));
      servers.push(s.server);
      port[name] = s.port;
    }
    port.dead = await deadPort();
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it("counts requests by outcome, latency, retries, ejections and requests in flight on the given registry", async () => {
    const registry = new Registry();
    const metrics = createLbMetrics({ registry });
    const ejected: EjectionMessage[] = [];
    const onEjection = (m: unknown) => ejected.push(m as EjectionMessage);
    subscribe("outrigger:lb:ejection", onEjection);
    try {
      const balancer = createBalancer({
        instancer: new FixedInstancer(["ok", "busy", "dead"].map((id) => instance(id, "UP", port[id]))),
        rule: new RoundRobinRule({ random: () => 0 }),
        outlierDetection: { consecutive5xx: 2, maxEjectionPercent: 100 },
        panic: { thresholdPercent: 0 },
      });
      const http = createLbAxios({ balancer: () => balancer, retry: { maxAttempts: 3 } });
      for (let i = 0; i < 6; i++) expect((await http.get("lb://svc/")).data.from).toBe("ok");

      const value = async (name: string, labels: Record<string, string>): Promise<number> => {
        const values = (await registry.getMetricsAsJSON()).flatMap((m) =>
          m.values.map((v) => ({ ...v, name: (v as { metricName?: string }).metricName ?? m.name })),
        );
        const found = values.find(
          (v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels[k] === l),
        );
        return found?.value ?? 0;
      };
      expect(await value("outrigger_lb_requests_total", { instance: "ok", outcome: "success" })).toBe(6);
      expect(await value("outrigger_lb_requests_total", { instance: "busy", outcome: "failure" })).toBe(2);
      expect(await value("outrigger_lb_requests_total", { instance: "dead", outcome: "failure" })).toBe(2);
      expect(await value("outrigger_lb_retries_total", { service: "svc", reason: "connect" })).toBe(2);
      expect(await value("outrigger_lb_retries_total", { service: "svc", reason: "status" })).toBe(2);
      expect(await value("outrigger_lb_ejections_total", { instance: "busy", reason: "consecutive-5xx" })).toBe(1);
      expect(await value("outrigger_lb_ejections_total", { instance: "dead" })).toBe(1);
      expect(await value("outrigger_lb_active_requests", { instance: "ok" })).toBe(0);
      expect(await value("outrigger_lb_request_duration_seconds_count", { service: "svc", outcome: "success" })).toBe(
        6,
      );
      expect(ejected.map((e) => e.instance.id).sort()).toEqual(["busy", "dead"]);
    } finally {
      unsubscribe("outrigger:lb:ejection", onEjection);
      metrics.close();
    }
  });

  it("counts health changes from active checks and publishes them on outrigger:lb:health", async () => {
    const registry = new Registry();
    const metrics = createLbMetrics({ registry });
    const messages: HealthMessage[] = [];
    const onHealth = (m: unknown) => messages.push(m as HealthMessage);
    subscribe("outrigger:lb:health", onHealth);
    const balancer = createBalancer({
      instancer: new FixedInstancer(["ok", "dead"].map((id) => instance(id, "UP", port[id]))),
      healthCheck: { intervalMs: 5, jitterMs: 0, unhealthyThreshold: 2 },
    });
    try {
      await new Promise((resolve) => balancer.onUnhealthy(resolve));
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === "outrigger_lb_health_changes_total");
      expect(metric?.values).toEqual([{ value: 1, labels: { service: "svc", instance: "dead", state: "unhealthy" } }]);
      expect(messages.map((m) => [m.instance.id, m.healthy])).toEqual([["dead", false]]);
    } finally {
      balancer.close();
      unsubscribe("outrigger:lb:health", onHealth);
      metrics.close();
    }
  });

  it("never puts a secret from an instance id into a label", async () => {
    const registry = new Registry();
    const metrics = createLbMetrics({ registry });
    try {
      const leaky = { ...instance("http://alice:pa55w0rd@10.0.0.7:8080?token=tok-9"), service: "svc" };
      const balancer = createBalancer({ instancer: new FixedInstancer([leaky]) });
      balancer.pick().done({ kind: "success", status: 200, rttMs: 3 });
      balancer.pick().done({ kind: "failure", reason: "connect", rttMs: 1 });
      const text = await registry.metrics();
      expect(text).toContain('outcome="failure"');
      expect(text).toContain("10.0.0.7");
      expect(text).not.toMatch(/alice|pa55w0rd|tok-9/);
    } finally {
      metrics.close();
    }
  });
});
