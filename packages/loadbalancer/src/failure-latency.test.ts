import type { Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { p2cPeakEwma } from "./p2c.js";
import type { Rule } from "./rule.js";
import { answerName, instance, namedServer } from "./test-support.js";
import { WeightedResponseTimeRule } from "./weighted-response-time.js";

// Field case (issue 13): an instance failing fast looked like the fastest one. A 500 answered in 1 ms was fed to
// the latency estimate as a 1 ms sample, so latency-aware rules sent it most of the traffic.
describe("failed attempts never make an instance look fast, against real servers", () => {
  const servers: Server[] = [];
  const arrivals: Record<string, number> = {};
  const ports: Record<string, number> = {};
  const serve = async (name: string, status: number, delayMs: number) => {
    const s = await namedServer(name, (q, r) => {
      arrivals[name] = (arrivals[name] ?? 0) + 1;
      setTimeout(() => answerName(name, q, r, status), delayMs);
    });
    servers.push(s.server);
    ports[name] = s.port;
  };
  beforeAll(async () => {
    await serve("broken", 500, 0);
    await serve("ok1", 200, 20);
    await serve("ok2", 200, 20);
  });
  afterAll(() => {
    for (const s of servers) s.close();
  });

  // Default options (outlier detection on), and outlier detection off: the latency estimate alone must hold.
  it.each([
    ["p2cPeakEwma(), default options", () => p2cPeakEwma(), true],
    ["WeightedResponseTimeRule, default options", () => new WeightedResponseTimeRule(), true],
    ["p2cPeakEwma(), no outlier detection", () => p2cPeakEwma(), false],
    ["WeightedResponseTimeRule, no outlier detection", () => new WeightedResponseTimeRule(), false],
  ] as Array<[string, () => Rule, boolean]>)(
    "%s: an instance answering 500 in 1 ms gets ≤ 5%",
    async (_, rule, detect) => {
      for (const key of Object.keys(arrivals)) arrivals[key] = 0;
      const balancer = createBalancer({
        instancer: new FixedInstancer(["broken", "ok1", "ok2"].map((id) => instance(id, "UP", ports[id]))),
        rule: rule(),
        ...(detect ? {} : { outlierDetection: false }),
      });
      const http = createLbAxios({ balancer: () => balancer, defaults: { validateStatus: () => true } });
      // Four callers in a closed loop, 50 requests each.
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 50; i++) await http.get("lb://svc/");
        }),
      );
      const total = (arrivals.broken ?? 0) + (arrivals.ok1 ?? 0) + (arrivals.ok2 ?? 0);
      expect(total).toBe(200);
      expect((arrivals.broken ?? 0) / total).toBeLessThanOrEqual(0.05);
      balancer.close();
    },
  );
});
