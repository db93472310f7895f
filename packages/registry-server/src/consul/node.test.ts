import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { nodeIdentity } from "./node.js";

describe("nodeIdentity (Consul's defaults: agent/config/builder.go)", () => {
  it("defaults to the host name at the bind address, and keeps one UUID per name", () => {
    const node = nodeIdentity({ bindAddress: "10.1.1.1" });
    expect([node.name, node.address, node.datacenter]).toEqual([hostname(), "10.1.1.1", "dc1"]);
    expect(nodeIdentity({ name: "a" }).id).toBe(nodeIdentity({ name: "a" }).id);
    expect(nodeIdentity({ name: "a" }).id).not.toBe(nodeIdentity({ name: "b" }).id);
    expect(nodeIdentity({ name: "a" }).id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("prefers the advertise address, and never reports a wildcard bind", () => {
    expect(nodeIdentity({ address: "192.0.2.1", bindAddress: "0.0.0.0" }).address).toBe("192.0.2.1");
    for (const bind of ["0.0.0.0", "::"]) expect(nodeIdentity({ bindAddress: bind }).address).not.toBe(bind);
  });
});
