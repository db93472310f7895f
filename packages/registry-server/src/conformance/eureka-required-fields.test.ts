import { describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { registryProcesses } from "./eureka-fixture.js";

/*
 * Rule (Netflix/eureka eureka-core/.../resources/ApplicationResource.java `addInstance`, checked in this order):
 * no id (InstanceInfo.getId(): instanceId, Amazon instance-id, host name) → `Missing instanceId`, no host name →
 * `Missing hostname`, no IP → `Missing ip address`, no app → `Missing appName`, an app other than the path's →
 * `Mismatched appName, expecting A but was B` (both upper-cased: the resource upper-cases the path,
 * EurekaJacksonCodec the body), no dataCenterInfo → `Missing dataCenterInfo`, no name → `Missing dataCenterInfo
 * Name`; each a 400 that registers nothing. Before them, a data-centre name outside DataCenterInfo.Name (Netflix,
 * Amazon, MyOwn) does not decode (EurekaJacksonCodec): a 400 naming the field. On main the path's app silently won
 * over the body's (a client posting ORDERS to /apps/PAYMENTS was listed as PAYMENTS) and a missing name became
 * MyOwn.
 */

describe("conformance: a registration's required fields (ApplicationResource.addInstance)", () => {
  const start = registryProcesses();

  it("answers Eureka's 400 for each missing or mismatched field, registers nothing, and takes the app in any case", async () => {
    const registry = await start();
    const post = async (app: string, instance: Record<string, unknown>) => {
      const res = await fetch(`${registry.url}/eureka/apps/${app}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instance }),
      });
      const text = await res.text();
      return [res.status, res.status === 204 ? "" : (JSON.parse(text) as { message: string }).message];
    };
    const base = registration("r-1", { app: "ORDERS" }).instance;
    const cases: [string, Record<string, unknown>, string][] = [
      ["PAYMENTS", base, "Mismatched appName, expecting PAYMENTS but was ORDERS"],
      ["ORDERS", { ...base, app: undefined }, "Missing appName"],
      ["ORDERS", { ...base, dataCenterInfo: { "@class": "x" } }, "Missing dataCenterInfo Name"],
      ["ORDERS", { ...base, ipAddr: undefined, app: "other" }, "Missing ip address"],
      ["ORDERS", { ...base, instanceId: undefined, hostName: undefined }, "Missing instanceId"],
      ["ORDERS", { ...base, instanceId: "r-1", hostName: "" }, "Missing hostname"],
      [
        "ORDERS",
        { ...base, hostName: undefined, dataCenterInfo: { name: "myown" } },
        'Invalid instance.dataCenterInfo.name: "myown" (Netflix, Amazon or MyOwn)',
      ],
    ];
    for (const [app, instance, message] of cases)
      expect([app, ...(await post(app, instance))]).toEqual([app, 400, message]);
    const apps = await fetch(`${registry.url}/eureka/apps`, { headers: { accept: "application/json" } });
    expect((await apps.json()) as unknown).toMatchObject({ applications: { application: [] } });
    // The body's app and the path's compare upper-cased, as Eureka's resource and codec make them.
    expect(await post("orders", { ...base, app: "Orders" })).toEqual([204, ""]);
  });
});
