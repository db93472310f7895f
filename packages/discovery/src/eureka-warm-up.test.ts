import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DiscoveryError } from "./errors.js";
import { EurekaInstancer } from "./eureka-instancer.js";
import { refusingFront } from "./testing/refusing-front.js";
import { RegistryProcess } from "./testing/registry-process.js";
import { ids, next, snapshotWhere } from "./testing/snapshots.js";

/*
 * A stock Eureka server refuses every read with a bare 403 while it warms up: for
 * `eureka.server.waitTimeInMsWhenSyncEmpty` (5 minutes by default) after a start that found no peer's registry
 * (Netflix/eureka PeerAwareInstanceRegistryImpl.shouldAllowAccess, checked by ApplicationsResource.getContainers,
 * ApplicationResource.getApplication and AbstractVIPResource). On main the client reported "the token lacks read
 * permission" — sending an operator after a token that was fine — for what passes by itself.
 */

/** A front that answers every GET as a warming-up Eureka server does (403, no body) until `ready`. */
async function warmingFront(target: number) {
  const state = { ready: false, refused: 0 };
  const front = await refusingFront(target, (req) => {
    const refused = !state.ready && req.method === "GET";
    if (refused) state.refused += 1;
    return refused;
  });
  return { url: `${front.url}/eureka`, state, close: front.close };
}

describe("a Eureka server warming up (403 on reads)", () => {
  const registry = new RegistryProcess();
  const cleanups: Array<() => unknown> = [];
  beforeAll(() => registry.start());
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await registry.kill();
  });

  it("is reported as the warm-up it most likely is, and the instancer picks the service up once it ends", async () => {
    await registry.register("warming", "w-1");
    const front = await warmingFront(registry.port);
    cleanups.push(() => front.close());
    const instancer = new EurekaInstancer({ registryUrl: front.url, service: "warming", pollIntervalMs: 100 });
    cleanups.push(() => instancer.close());
    const error = (await next(instancer.onError)) as DiscoveryError;
    expect(error.code).toBe("DISCOVERY_UNAUTHORIZED");
    expect(error.message).toContain("refused a read (403)");
    expect(error.message).toContain("waitTimeInMsWhenSyncEmpty");
    expect(error.message).not.toContain("the token lacks read permission");
    front.state.ready = true;
    const snapshot = await snapshotWhere(instancer, (s) => s.instances.length > 0);
    expect(ids(snapshot)).toEqual(["w-1"]);
    expect(front.state.refused).toBeGreaterThanOrEqual(1);
  });
});
