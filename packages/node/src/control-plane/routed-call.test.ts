import { setTimeout as sleep } from "node:timers/promises";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { type Balancer, createBalancer, type Pick } from "@outrigger/loadbalancer";
import { describe, expect, it } from "vitest";
import { type CallChoice, routedBalancer, runRouted, type ServiceBalancing } from "./routed-call.js";
import type { SubsetView } from "./subset-view.js";

const instance = (id: string, version: string): ServiceInstance => ({
  id,
  service: "SVC",
  host: "127.0.0.1",
  port: 1,
  secure: false,
  status: "UP",
  metadata: { version },
});
const fleet = [instance("a", "v1"), instance("b", "v2"), instance("c", "v1")];
const subset = (name: string, ownBalancer = false): SubsetView => ({
  name,
  accepts: (i) => i.metadata.version === name,
  policy: undefined,
  ownBalancer,
  pipeline: undefined,
});
const v2: CallChoice = { service: "SVC", subset: subset("v2"), pipeline: undefined };
/** The service's balancer over `instances`, recording the picks another balancer made for it. */
const service = (instances: ServiceInstance[], adopted: Pick[] = []): ServiceBalancing =>
  Object.assign(createBalancer({ instancer: new FixedInstancer(instances) }), {
    adopt: (pick: Pick) => {
      adopted.push(pick);
      return pick;
    },
  });
const none = () => undefined;

describe("a call's choice", () => {
  it("holds across awaits (a retry's later pick stays in the subset) and never leaks to other calls", async () => {
    const routed = routedBalancer("svc", service(fleet), () => fleet, none);
    const inside: string[] = [];
    const call = runRouted(v2, async () => {
      for (let i = 0; i < 4; i += 1) {
        await sleep(1);
        const pick = routed.pick();
        inside.push(pick.instance.id);
        pick.done({ kind: "success", rttMs: 1 });
      }
    });
    const outside = new Set<string>();
    for (let i = 0; i < 6; i += 1) {
      const pick = routed.pick();
      outside.add(pick.instance.id);
      pick.done({ kind: "success", rttMs: 1 });
      await sleep(1);
    }
    await call;
    expect(inside).toEqual(["b", "b", "b", "b"]);
    expect(outside).toEqual(new Set(["a", "b", "c"]));
  });

  it("an empty subset is LB_ALL_INSTANCES_TRIED, never a pick outside it", () => {
    const v1Only = fleet.filter((i) => i.metadata.version === "v1");
    const routed = routedBalancer("svc", service(v1Only), () => v1Only, none);
    expect(() => runRouted(v2, () => routed.pick())).toThrowError(
      expect.objectContaining({ code: "LB_ALL_INSTANCES_TRIED" }),
    );
  });

  it("a subset with a balancer of its own picks with it, and the service's balancer counts the pick", () => {
    const adopted: Pick[] = [];
    const own: Balancer = createBalancer({ instancer: new FixedInstancer([instance("d", "v2")]) });
    const routed = routedBalancer(
      "svc",
      service(fleet, adopted),
      () => fleet,
      (s) => (s.name === "v2" ? own : undefined),
    );
    const choice: CallChoice = { service: "SVC", subset: subset("v2", true), pipeline: undefined };
    const pick = runRouted(choice, () => routed.pick());
    expect(pick.instance.id).toBe("d"); // only the subset's own balancer knows "d"
    expect(adopted).toEqual([pick]);
  });

  it("answers hasUntried inside the call's subset (outlier countRetriedAttempts asks it before a retry)", () => {
    const routed = routedBalancer("svc", service(fleet), () => fleet, none);
    // v2 holds only "b": once b was tried nothing is left in the subset, though a and c are untried.
    expect(runRouted(v2, () => routed.hasUntried?.(new Set(["b"])))).toBe(false);
    expect(routed.hasUntried?.(new Set(["b"]))).toBe(true);
    expect(routed.hasUntried?.(new Set(["a", "b", "c"]))).toBe(false);
  });
});
