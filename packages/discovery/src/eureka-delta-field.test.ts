import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeltaSync, EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { anyStatus } from "./filters.js";
import { refusingFront } from "./testing/refusing-front.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { ids, next } from "./testing/snapshots.js";

/*
 * Field reports of Eureka's delta protocol, replayed with EurekaDeltaInstancer against a real registry process.
 * Rules: Netflix/eureka eureka-client/src/main/java/com/netflix/discovery/DiscoveryClient.java (`fetchRegistry`,
 * `getAndUpdateDelta`, `updateDelta`, `reconcileAndLogDifference`) and eureka-core
 * src/main/java/com/netflix/eureka/resources/ApplicationsResource.java (`getContainerDifferential`).
 */

/**
 * A front that answers `apps/delta` as a stock Eureka server started with `eureka.disableDelta=true` does
 * (ApplicationsResource.getContainerDifferential: 403, no body) and forwards everything else.
 */
async function deltaRefusingFront(target: number) {
  const counts = { deltas: 0 };
  const front = await refusingFront(target, (req) => {
    const refused = /\/apps\/delta(\?|$)/.test(req.url ?? "");
    if (refused) counts.deltas += 1;
    return refused;
  });
  return { ...front, counts };
}

describe("Eureka delta field cases (real registry process)", () => {
  const registry = new RegistryProcess();
  const cleanups: Array<() => unknown> = [];
  beforeAll(() => registry.start());
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await registry.kill();
  });

  /** A delta instancer that syncs only when the test calls `refresh()` (after its first, full fetch). */
  const instancer = async (service: string, registryUrl = registry.eurekaUrl) => {
    const i = new EurekaDeltaInstancer({ registryUrl, service, pollIntervalMs: 3_600_000, filter: anyStatus });
    cleanups.push(() => i.close());
    const syncs: DeltaSync[] = [];
    i.onSync((s) => syncs.push(s));
    await next(i.onSync);
    syncs.length = 0; // the first, full fetch
    return { i, syncs };
  };

  const setStatus = async (app: string, id: string, value: string) => {
    const res = await fetch(`${registry.eurekaUrl}/apps/${app}/${id}/status?value=${value}`, { method: "PUT" });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
  };

  it("fetches everything when the registry refuses the delta (403), as DiscoveryClient.getAndUpdateDelta does", async () => {
    // getAndUpdateDelta: a delta answered other than 200 is null, "The server does not allow the delta revision to
    // be applied because it is not safe. Hence got the full registry." On main the instancer reported the 403 as
    // DISCOVERY_UNAUTHORIZED on every poll and never saw another change.
    const front = await deltaRefusingFront(registry.port);
    cleanups.push(() => front.close());
    await registry.register("refused", "r-1");
    const { i, syncs } = await instancer("refused", `${front.url}/eureka`);
    await registry.register("refused", "r-2");
    const snapshot = await i.refresh();
    expect(ids(snapshot)).toEqual(["r-1", "r-2"]);
    expect(front.counts.deltas).toBe(1);
    expect(syncs.at(-1)).toEqual({ kind: "full", reason: "delta-refused" });
  });

  it("an instance taken OUT_OF_SERVICE leaves the set through a MODIFIED delta, and comes back (jquatier/eureka-js-client#147)", async () => {
    // jquatier/eureka-js-client#147: with deltas on, a MODIFIED entry whose status was not UP was ignored, so an
    // instance taken out of service kept getting traffic. A MODIFIED entry carries the whole instance: it replaces it.
    await registry.register("statuses", "s-1");
    await registry.register("statuses", "s-2");
    const i = new EurekaDeltaInstancer({
      registryUrl: registry.eurekaUrl,
      service: "statuses",
      pollIntervalMs: 3_600_000,
    });
    cleanups.push(() => i.close());
    await next(i.onSync);
    await setStatus("STATUSES", "s-1", "OUT_OF_SERVICE");
    expect(ids(await i.refresh())).toEqual(["s-2"]);
    await setStatus("STATUSES", "s-1", "UP");
    expect(ids(await i.refresh())).toEqual(["s-1", "s-2"]);
  });

  it("status churn between deltas never makes the hash codes disagree (Netflix/eureka#1120)", async () => {
    // Netflix/eureka#1120: while statuses cycled UP → STARTING → OUT_OF_SERVICE, some apps/delta answers carried an
    // apps__hashcode that did not match their own content, and every client fell back to a full fetch.
    const fleet = ["c-1", "c-2", "c-3", "c-4", "c-5"];
    for (const id of fleet) await registry.register("churn", id);
    const { i, syncs } = await instancer("churn");
    for (const status of ["STARTING", "OUT_OF_SERVICE", "UP", "STARTING", "UP", "OUT_OF_SERVICE", "UP"]) {
      for (const id of fleet.slice(0, 3)) await setStatus("CHURN", id, status);
      await i.refresh();
    }
    expect(syncs.filter((s) => s.kind === "full")).toEqual([]); // every sync a delta that matched
    expect(i.current().instances.map((x) => x.status)).toEqual(fleet.map(() => "UP"));
  });

  it("a delta deleting an instance of an application this client never had leaves no trace (Netflix/eureka#1098)", async () => {
    // Netflix/eureka#1098: updateDelta added the application of a DELETED entry back when the client did not have
    // it, leaving empty applications behind. Here the copy is keyed by application and id: nothing is added.
    await registry.register("stays", "k-1");
    const { i, syncs } = await instancer("stays");
    await registry.register("ghost", "g-1");
    const res = await fetch(`${registry.eurekaUrl}/apps/GHOST/g-1`, { method: "DELETE" });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    await i.refresh();
    await i.refresh();
    expect(syncs.map((s) => s.kind)).toEqual(["delta", "delta"]);
    expect(ids(i.current())).toEqual(["k-1"]);
  });
});
