import { describe, expect, it } from "vitest";
import { allOf, anyStatus, inZone, onlyUp, withMetadata, withTags } from "./filters.js";
import type { ServiceInstance } from "./service-instance.js";

const base: ServiceInstance = {
  id: "a",
  service: "orders",
  host: "h",
  port: 1,
  secure: false,
  status: "UP",
  zone: "eu-1a",
  metadata: { version: "2", tags: "canary, blue" },
};

describe("instance filters", () => {
  it("accepts UP only by default, anything with anyStatus", () => {
    expect(onlyUp(base)).toBe(true);
    expect(onlyUp({ ...base, status: "OUT_OF_SERVICE" })).toBe(false);
    expect(onlyUp({ ...base, status: "STARTING" })).toBe(false);
    expect(anyStatus({ ...base, status: "DOWN" })).toBe(true);
  });

  it("selects by zone, metadata and tags, and combines them", () => {
    expect(inZone("eu-1a")(base)).toBe(true);
    expect(inZone("eu-1b")(base)).toBe(false);
    expect(withMetadata({ version: "2" })(base)).toBe(true);
    expect(withMetadata({ version: "3" })(base)).toBe(false);
    expect(withTags("canary", "blue")(base)).toBe(true);
    expect(withTags("green")(base)).toBe(false);
    expect(withTags("canary")({ ...base, metadata: {} })).toBe(false);
    expect(allOf(onlyUp, inZone("eu-1a"), withTags("blue"))(base)).toBe(true);
    expect(allOf(onlyUp, inZone("eu-1a"))({ ...base, status: "DOWN" })).toBe(false);
  });
});
