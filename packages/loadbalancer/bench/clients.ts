import { Agent } from "node:http";
import { seededRandom } from "@outrigger/core";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import type { AxiosInstance } from "axios";
import { createLbAxios, type LbAxiosOptions } from "../src/axios.js";
import { createBalancer } from "../src/balancer.js";
import type { BalancerOptions } from "../src/balancer-options.js";
import { BestAvailableRule } from "../src/best-available.js";
import { p2cLeastRequest, p2cPeakEwma } from "../src/p2c.js";
import { RandomRule } from "../src/random-rule.js";
import { RoundRobinRule } from "../src/round-robin.js";
import type { Rule } from "../src/rule.js";
import type { StatefulBalancer } from "../src/stateful-balancer.js";
import { WeightedResponseTimeRule } from "../src/weighted-response-time.js";

/** A rule under test, built afresh for each seed. */
export interface RuleSpec {
  readonly name: string;
  make(seed: number): Rule;
}

export const roundRobin: RuleSpec = {
  name: "round-robin",
  make: (s) => new RoundRobinRule({ random: seededRandom(s) }),
};
export const random: RuleSpec = { name: "random", make: (s) => new RandomRule({ random: seededRandom(s) }) };
export const weightedResponseTime: RuleSpec = {
  name: "weighted-response-time",
  make: (s) => new WeightedResponseTimeRule({ random: seededRandom(s) }),
};
export const bestAvailable: RuleSpec = {
  name: "best-available",
  make: (s) => new BestAvailableRule({ random: seededRandom(s) }),
};
export const leastRequest: RuleSpec = {
  name: "p2c-least-request",
  make: (s) => p2cLeastRequest({ random: seededRandom(s) }),
};
export const peakEwma: RuleSpec = { name: "p2c-peak-ewma", make: (s) => p2cPeakEwma({ random: seededRandom(s) }) };

/** A load-balanced client over a fixed instancer, with a keep-alive agent like any production client. */
export interface BenchClient {
  readonly http: AxiosInstance;
  readonly balancer: StatefulBalancer;
  readonly instancer: FixedInstancer;
  close(): void;
}

export function benchClient(
  instances: readonly ServiceInstance[],
  rule: Rule,
  balancer: Omit<BalancerOptions, "instancer" | "rule"> = {},
  client: Omit<LbAxiosOptions, "balancer"> = {},
): BenchClient {
  const instancer = new FixedInstancer(instances);
  const b = createBalancer({ instancer, rule, ...balancer });
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const http = createLbAxios({ balancer: () => b, ...client, defaults: { httpAgent: agent, ...client.defaults } });
  return {
    http,
    balancer: b,
    instancer,
    close: () => {
      b.close();
      agent.destroy();
    },
  };
}
