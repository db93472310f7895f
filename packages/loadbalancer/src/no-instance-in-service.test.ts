// Envoy's source/common/upstream/load_balancer_impl.cc: with the panic threshold at 0 panic never engages, and a
// host set with no healthy host gives "no healthy upstream" rather than a host; here that is LB_NO_INSTANCES.
import { FixedInstancer } from "@outrigger/discovery";
import { request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { LbError } from "./errors.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule } from "./rule.js";
import { startInstances } from "./seam/seam-fixture.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

let fixture: Awaited<ReturnType<typeof startInstances>>;
beforeAll(async () => {
  fixture = await startInstances(["503", "ok"]);
});
afterAll(() => fixture.close());

/** Both instances answer 503 → both ejected after one answer each; panic off. */
const allEjected = async () => {
  const balancer = createBalancer({
    instancer: new FixedInstancer([
      instance("a", "UP", fixture.get("503").port),
      instance("b", "UP", fixture.get("503").port),
    ]),
    rule: new RoundRobinRule({ random: () => 0 }),
    outlierDetection: { consecutive5xx: 1, maxEjectionPercent: 100 },
    panic: { thresholdPercent: 0 },
  });
  const http = createLbAxios({ balancer: () => balancer, retry: { maxAttempts: 1 } });
  for (let i = 0; i < 2; i++) {
    await expect(http.get("lb://svc/")).rejects.toMatchObject({ response: { status: 503 } });
  }
  expect([balancer.stats("a")?.ejected, balancer.stats("b")?.ejected]).toEqual([true, true]);
  return balancer;
};

const code = (error: unknown) => ({ name: (error as Error).constructor.name, code: (error as { code?: string }).code });

describe("no instance in service (panic off, every instance ejected)", () => {
  it("pick() throws LB_NO_INSTANCES, not a TypeError", async () => {
    const balancer = await allEjected();
    let thrown: unknown;
    try {
      balancer.pick();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(LbError);
    expect(code(thrown)).toEqual({ name: "LbError", code: "LB_NO_INSTANCES" });
    expect((thrown as Error).message).toMatch(/ejected/);
    balancer.close();
  });

  it("createLbAxios rejects with LB_NO_INSTANCES", async () => {
    const balancer = await allEjected();
    const http = createLbAxios({ balancer: () => balancer, retry: { maxAttempts: 3 } });
    await expect(http.get("lb://svc/")).rejects.toMatchObject({ code: "LB_NO_INSTANCES" });
    balancer.close();
  });

  it("the undici dispatcher rejects with LB_NO_INSTANCES", async () => {
    const balancer = await allEjected();
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    await expect(undiciRequest("http://svc/", { dispatcher })).rejects.toMatchObject({ code: "LB_NO_INSTANCES" });
    await dispatcher.close();
    balancer.close();
  });
});

describe("a rule that chooses nothing", () => {
  const nothing: Rule = { choose: () => undefined as never };
  const nullRule: Rule = { choose: () => null as never };
  for (const [name, rule] of [
    ["undefined", nothing],
    ["null", nullRule],
  ] as const) {
    it(`returning ${name} over a non-empty view gives LB_NO_INSTANCES through pick, axios and undici`, async () => {
      const balancer = createBalancer({
        instancer: new FixedInstancer([instance("ok", "UP", fixture.get("ok").port)]),
        rule,
      });
      expect(() => balancer.pick()).toThrow(expect.objectContaining({ code: "LB_NO_INSTANCES" }));
      await expect(createLbAxios({ balancer: () => balancer }).get("lb://svc/")).rejects.toMatchObject({
        code: "LB_NO_INSTANCES",
      });
      const dispatcher = createLbDispatcher({ balancer: () => balancer });
      await expect(undiciRequest("http://svc/", { dispatcher })).rejects.toMatchObject({ code: "LB_NO_INSTANCES" });
      await dispatcher.close();
      balancer.close();
    });
  }
});
