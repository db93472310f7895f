// traefik/traefik#5850 (fixed in #5900), fabiolb/fabio#383: a service ID is unique per node only — Consul keys an
// instance by node and ID (`indexFromServiceNode`, agent/consul/state/catalog_schema.go) — so every agent loading a
// definition without `id` registers the same ID, the service's name.
import { describe, expect, it } from "vitest";
import { parseConsulHealth } from "./consul-wire.js";

const entry = (node: string, id: string, port: number, address = "10.0.0.1") => ({
  Node: { Node: node, Address: address, Datacenter: "dc1" },
  Service: { ID: id, Service: "web", Address: "", Port: port, Tags: [] },
  Checks: [],
});

describe("parseConsulHealth: instance ids", () => {
  it("qualifies an ID that several nodes hold with each node, and leaves a one-node ID as Consul gives it", () => {
    const instances = parseConsulHealth([
      entry("n1", "web", 8080, "10.0.0.1"),
      entry("n2", "web", 8080, "10.0.0.2"),
      entry("n3", "web-3", 8080, "10.0.0.3"),
    ]);
    expect(instances.map((i) => [i.id, i.host])).toEqual([
      ["web@n1", "10.0.0.1"],
      ["web@n2", "10.0.0.2"],
      ["web-3", "10.0.0.3"],
    ]);
  });

  it("keeps every instance apart even when a qualified ID meets a bare one, and drops an exact repeat", () => {
    const instances = parseConsulHealth([
      entry("n1", "web", 8080),
      entry("n2", "web", 8081),
      // A bare ID that reads like a qualified one; the third entry repeats the first.
      entry("n9", "web@n1", 9000),
      entry("n1", "web", 8080),
    ]);
    expect(instances.map((i) => i.id)).toEqual(["web@n1", "web@n2", "web@n1#2"]);
    expect(new Set(instances.map((i) => `${i.host}:${i.port}`)).size).toBe(3);
  });

  it("gives the default ID (the service's name) the same id whether or not its twins are in the answer", () => {
    expect(parseConsulHealth([entry("n1", "web", 8080)]).map((i) => i.id)).toEqual(["web@n1"]);
    expect(parseConsulHealth([entry("n2", "web", 8080), entry("n1", "web", 8080)]).map((i) => i.id)).toEqual([
      "web@n2",
      "web@n1",
    ]);
    // An explicit ID held by two nodes is qualified too; held by one, it stays.
    expect(parseConsulHealth([entry("n1", "api-1", 1), entry("n2", "api-1", 2)]).map((i) => i.id)).toEqual([
      "api-1@n1",
      "api-1@n2",
    ]);
  });

  it("never gives two instances one id, whatever the IDs hold", () => {
    const ids = parseConsulHealth([
      entry("n1", "a@n1", 1),
      entry("n1", "a", 2),
      entry("n2", "a", 3),
      entry("n3", "a@n1", 4),
      entry("n1", "a@n1#2", 5),
    ]).map((i) => i.id);
    expect(new Set(ids).size).toBe(5);
  });
});
