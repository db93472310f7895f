import { setTimeout as sleep } from "node:timers/promises";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { describe, expect, it } from "vitest";
import { type CallChoice, routedBalancer, runRouted } from "./routed-call.js";

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
const v2: CallChoice = {
  service: "SVC",
  subset: { name: "v2", accepts: (i) => i.metadata.version === "v2" },
  pipeline: undefined,
};

describe("a call's choice", () => {
  it("holds across awaits (a retry's later pick stays in the subset) and never leaks to other calls", async () => {
    const routed = routedBalancer("svc", createBalancer({ instancer: new FixedInstancer(fleet) }), () => fleet);
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
    const routed = routedBalancer("svc", createBalancer({ instancer: new FixedInstancer(v1Only) }), () => v1Only);
    expect(() => runRouted(v2, () => routed.pick())).toThrowError(
      expect.objectContaining({ code: "LB_ALL_INSTANCES_TRIED" }),
    );
  });
});
