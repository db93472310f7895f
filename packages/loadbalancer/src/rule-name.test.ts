import { FixedInstancer } from "@outrigger/discovery";
import { expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";

const instancer = () => new FixedInstancer([instance("a")]);

it("ruleName: round robin by default, a spec's name, the outer name of a wrapping spec, and it follows setRule", () => {
  const balancer = createBalancer({ instancer: instancer() });
  expect(balancer.ruleName).toBe("round-robin");
  balancer.setRule({ name: "p2c-peak-ewma" });
  expect(balancer.ruleName).toBe("p2c-peak-ewma");
  balancer.setRule({ name: "availability-filtering", rule: { name: "random" } });
  expect(balancer.ruleName).toBe("availability-filtering");
  balancer.setRule(new RoundRobinRule());
  expect(balancer.ruleName).toBe("custom");
  balancer.close();
});
