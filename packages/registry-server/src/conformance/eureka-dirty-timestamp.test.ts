// Rules from Netflix/eureka: eureka-core/.../resources/InstanceResource.java (updateMetadata re-registers the same
// InstanceInfo, its lastDirtyTimestamp untouched; validateDirtyTimestamp) and AbstractInstanceRegistry.java
// (statusUpdate/deleteStatusOverride take a replica's lastDirtyTimestamp only when newer, never the server clock;
// register keeps the stored copy only when its lastDirtyTimestamp is strictly newer). Replays Netflix/eureka#955:
// after DELETE …/status the client's re-registration was refused as older than a server-stamped timestamp.
import { describe, expect, it } from "vitest";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();
/** The client's clock runs 60 s behind the server's. */
const clientNow = () => Date.now() - 60_000;

describe("lastDirtyTimestamp is the client's clock (real registry process)", () => {
  it("an operator's metadata write, then the client (60 s behind) re-registers DOWN: DOWN", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "SKEW");
    const first = clientNow();
    await eureka.register("a", { lastDirtyTimestamp: String(first) });
    expect(await eureka.write("PUT", "a/metadata?owner=ops")).toBe(200);
    const after = await eureka.instance("a");
    expect(after.metadata.owner).toBe("ops");
    expect(after.lastDirtyTimestamp).toBe(String(first));
    await eureka.register("a", { status: "DOWN", lastDirtyTimestamp: String(first + 1_000) });
    expect((await eureka.instance("a")).status).toBe("DOWN");
  });

  it("a status override keeps the client's timestamp; after DELETE the 60 s-behind client comes back UP (#955)", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "SKEW");
    const first = clientNow();
    await eureka.register("b", { lastDirtyTimestamp: String(first) });
    await eureka.write("PUT", "b/status?value=OUT_OF_SERVICE");
    expect((await eureka.instance("b")).lastDirtyTimestamp).toBe(String(first));
    // Its heartbeat carries its own timestamp: equal, so 200 (no server clock to look "newer" than it).
    expect(await eureka.renew("b", `status=UP&lastDirtyTimestamp=${first}`)).toBe(200);
    await eureka.write("DELETE", "b/status");
    expect(await eureka.renew("b", `status=UP&lastDirtyTimestamp=${first}`)).toBe(404);
    await eureka.register("b", { lastDirtyTimestamp: String(first) });
    expect(await eureka.instance("b")).toMatchObject({ status: "UP", lastDirtyTimestamp: String(first) });
  });
});
