import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { countingServers, deadPort, instance } from "./test-support.js";

// Field case (issue 13): round robin with one dead instance of three sent 75 vs 225 requests to the two survivors:
// each retry's pick moved the shared position, so the instance after the dead one took the retries and lost its
// own turn. A retry must read the position, not move it.
describe("round robin under retries, against real servers", () => {
  let fleet: Awaited<ReturnType<typeof countingServers>>;
  const ports: Record<string, number> = {};
  beforeAll(async () => {
    fleet = await countingServers(["a", "b"]);
    Object.assign(ports, fleet.ports, { dead: await deadPort() });
  });
  afterAll(() => fleet.close());

  it("3 instances, one refusing, no outlier detection: each survivor gets 50% ± 5% of the requests", async () => {
    for (const start of [0, 0.4, 0.8]) {
      fleet.reset();
      const { arrivals } = fleet;
      const balancer = createBalancer({
        instancer: new FixedInstancer(["a", "dead", "b"].map((id) => instance(id, "UP", ports[id]))),
        rule: new RoundRobinRule({ random: () => start }),
        outlierDetection: false,
      });
      const http = createLbAxios({ balancer: () => balancer });
      for (let i = 0; i < 300; i++) await http.get("lb://svc/");
      expect((arrivals.a ?? 0) + (arrivals.b ?? 0)).toBe(300);
      expect(Math.abs((arrivals.a ?? 0) / 300 - 0.5)).toBeLessThanOrEqual(0.05);
      balancer.close();
    }
  });
});
