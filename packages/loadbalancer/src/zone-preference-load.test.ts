// spring-cloud/spring-cloud-netflix#1072: Spring's ZonePreferenceServerListFilter "always prefers servers from the
// same zone if there are any", without Ribbon's ZoneAffinityServerListFilter checks; a zone with one instance took
// the whole load. Ribbon leaves the zone when its load per server reaches `maxLoadPerServer` (0.6 by default).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer, type ServiceInstance } from "@outrigger/discovery";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBalancer } from "./balancer.js";
import { ruleFromSpec } from "./rule-spec.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
import { ZonePreferenceRule } from "./zone-preference.js";

const names = ["a1", "b1", "b2", "b3", "b4"];
const servers: Server[] = [];
const fleet: ServiceInstance[] = [];
const arrivals: Record<string, number> = {};
let held: (() => void)[] = [];
let onArrival = (): void => undefined;
beforeAll(async () => {
  for (const name of names) {
    // Holds every request until the test releases it: the requests are in flight together, by construction.
    const server = createServer((_, response) => {
      arrivals[name] = (arrivals[name] ?? 0) + 1;
      held.push(() => response.end(name));
      onArrival();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    const port = (server.address() as AddressInfo).port;
    fleet.push({
      id: name,
      service: "svc",
      host: "127.0.0.1",
      port,
      secure: false,
      status: "UP",
      metadata: {},
      zone: name[0],
    });
  }
});
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Sends 40 requests at once and returns where they arrived, once all 40 have. */
async function fortyAtOnce(spec: Parameters<typeof ruleFromSpec>[0]): Promise<Record<string, number>> {
  for (const name of names) arrivals[name] = 0;
  held = [];
  const balancer = createBalancer({ instancer: new FixedInstancer(fleet), rule: ruleFromSpec(spec) });
  const dispatcher = createLbDispatcher({ balancer: () => balancer });
  const all = new Promise<void>((resolve) => {
    onArrival = () => held.length === 40 && resolve();
  });
  const sent = Array.from({ length: 40 }, () => request("http://svc/", { dispatcher }).then((r) => r.body.text()));
  await all;
  const seen = { ...arrivals };
  for (const release of held) release();
  await Promise.all(sent);
  await dispatcher.close();
  balancer.close();
  return seen;
}

describe("zone preference under load", () => {
  it("keeps every request on a lone local instance by default (Spring Cloud's rule)", async () => {
    expect(await fortyAtOnce({ name: "zone-preference", zone: "a" })).toEqual({ a1: 40, b1: 0, b2: 0, b3: 0, b4: 0 });
  });

  it("uses every zone while the local instances carry maxLoadPerInstance in flight each (Ribbon's valve)", async () => {
    const seen = await fortyAtOnce({ name: "zone-preference", zone: "a", maxLoadPerInstance: 0.6 });
    // The first request finds a1 idle; from then on a1 carries ≥ 0.6 and round robin spreads over all five.
    expect(seen.a1).toBeLessThan(12);
    for (const b of ["b1", "b2", "b3", "b4"]) expect(seen[b]).toBeGreaterThanOrEqual(7);
  });

  it("refuses a maxLoadPerInstance that is not above 0, in a spec or the constructor", () => {
    for (const maxLoadPerInstance of [-1, 0, Number.NaN]) {
      expect(() => ruleFromSpec({ name: "zone-preference", zone: "a", maxLoadPerInstance })).toThrow(
        expect.objectContaining({ code: "LB_INVALID_OPTION" }),
      );
      expect(() => new ZonePreferenceRule({ zone: "a", maxLoadPerInstance })).toThrow(
        expect.objectContaining({ code: "LB_INVALID_OPTION" }),
      );
    }
  });
});
