// Rules from Netflix/eureka: eureka-client/.../appinfo/LeaseInfo.java (Builder.setDurationInSecs and
// setRenewalIntervalInSecs: a value ≤ 0 means DEFAULT_LEASE_DURATION 90 / DEFAULT_LEASE_RENEWAL_INTERVAL 30),
// eureka-core/.../registry/PeerAwareInstanceRegistryImpl.java (register: durationInSecs > 0 else
// Lease.DEFAULT_DURATION_IN_SECS; isLeaseExpirationEnabled) and AbstractInstanceRegistry.updateRenewsPerMinThreshold
// (count × 60 / serverConfig.getExpectedClientRenewalIntervalSeconds() × renewalPercentThreshold).
import { describe, expect, it } from "vitest";
import { ids, watchUntil } from "../e2e/watch-until.js";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();

describe("leases and their inputs (real registry process)", () => {
  it("a lease of 0 s or none is Eureka's 90 s: it outlives a 1 s lease through eviction runs", async () => {
    const registry = await start([
      "--eviction-interval",
      "1",
      "--self-preservation",
      "off",
      "--renewal-threshold",
      "0",
    ]);
    const eureka = eurekaCalls(registry.url, "LEASE");
    await eureka.register("zero", { leaseInfo: { durationInSecs: 0, renewalIntervalInSecs: 0 } });
    await eureka.register("negative", { leaseInfo: { durationInSecs: -5, renewalIntervalInSecs: -1 } });
    await eureka.register("canary", { leaseInfo: { durationInSecs: 1 } });
    expect((await eureka.instance("zero")).leaseInfo).toMatchObject({ durationInSecs: 90, renewalIntervalInSecs: 30 });
    expect((await eureka.instance("negative")).leaseInfo).toMatchObject({
      durationInSecs: 90,
      renewalIntervalInSecs: 30,
    });
    // The never-renewed 1 s canary is evicted by a run; the 0 s and negative leases, taken as 90 s, are not.
    const left = await watchUntil(registry.url, "LEASE", (list) => !ids(list).includes("canary"));
    expect(ids(left)).toEqual(["negative", "zero"]);
  });

  it("a heartbeat's ?status= and ?overriddenstatus= never refuse it (InstanceResource.renewLease does not parse them)", async () => {
    // renewLease never reads `status` and valueOf's `overriddenstatus` only for a replicated renewal its dirty
    // timestamp refuses; on main a value outside Eureka's five (or a repeated one) was a 400, and a client whose
    // heartbeat is refused stops renewing until its lease runs out.
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "BEAT");
    await eureka.register("b-1");
    expect(await eureka.renew("b-1", "status=HEALTHY&overriddenstatus=bogus")).toBe(200);
    expect(await eureka.renew("b-1", "status=UP&status=DOWN&overriddenstatus=UNKNOWN&overriddenstatus=UP")).toBe(200);
    expect((await eureka.instance("b-1")).status).toBe("UP");
  });

  it("expected renews come from the server's interval and the count, never from what a client claims", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "CLAIM");
    // One client claims to renew every second (60 a minute): the threshold must not follow it.
    await eureka.register("eager", { leaseInfo: { renewalIntervalInSecs: 1, durationInSecs: 3 } });
    await eureka.register("plain");
    const status = (await (await fetch(`${registry.url}/eureka/status`)).json()) as {
      selfPreservation: { expectedRenewsPerMinute: number; threshold: number };
    };
    // 2 instances × 60 / 30 s = 4 expected a minute; floor(4 × 0.85) = 3.
    expect(status.selfPreservation).toMatchObject({ expectedRenewsPerMinute: 4, threshold: 3 });
  });
});
